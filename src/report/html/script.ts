/**
 * The page's only script: a click (or Enter) on a request bar opens a panel with its numbers and
 * marks its row in the requests table. Everything it shows is already in the page's text and in
 * the bars' tooltips (SVG <title>), so the report reads the same without JavaScript.
 */
export const SCRIPT = `
(function(){
  var panel=document.getElementById('details');if(!panel)return;
  var body=panel.querySelector('div'),sel=null;
  function show(g){
    if(sel)sel.classList.remove('sel');sel=g;g.classList.add('sel');
    var rows=[['request',g.getAttribute('data-req')],['connection',g.getAttribute('data-conn')||'-'],['total ms',g.getAttribute('data-total')]];
    g.querySelectorAll('rect[data-phase]').forEach(function(r){rows.push([r.getAttribute('data-phase')+' ms',r.getAttribute('data-label')]);});
    var title=g.querySelector('title'),extra=title?title.textContent.split(' · ').slice(1).join(' · '):'';if(extra)rows.push(['',extra]);
    body.textContent='';var t=document.createElement('table');
    rows.forEach(function(x){var tr=t.insertRow();var a=tr.insertCell();a.textContent=x[0];var b=tr.insertCell();b.textContent=x[1];b.className='r';});
    body.appendChild(t);panel.hidden=false;
    var row=document.getElementById(g.getAttribute('data-row')||'');
    document.querySelectorAll('tr.sel').forEach(function(r){r.classList.remove('sel');r.style.outline='';});
    if(row){row.classList.add('sel');row.style.outline='2px solid var(--accent)';}
  }
  document.addEventListener('click',function(e){var g=e.target.closest&&e.target.closest('g.req');if(g)show(g);});
  document.addEventListener('keydown',function(e){
    if(e.key==='Escape'){panel.hidden=true;return;}
    if(e.key==='Enter'&&e.target.matches&&e.target.matches('g.req'))show(e.target);
  });
  panel.querySelector('button').addEventListener('click',function(){panel.hidden=true;});
})();
`;
