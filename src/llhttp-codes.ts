/**
 * undici's HTTPParserError carries llhttp's reason text but no code (undici looks the error number
 * up in a table keyed by name, so `code` stays undefined). The reason is mapped back to the code
 * llhttp, and so node:http, gives for the same bytes.
 */
const LLHTTP_REASONS: Array<[RegExp, string]> = [
  [/Expected HTTP\//, 'HPE_INVALID_CONSTANT'],
  [/Invalid (major|minor|HTTP) version|Expected dot|Expected space after version|Expected CRLF after version/, 'HPE_INVALID_VERSION'],
  [/Invalid status code|Invalid response status/, 'HPE_INVALID_STATUS'],
  [/Invalid header (token|value char|field char)|Unexpected whitespace after header value/, 'HPE_INVALID_HEADER_TOKEN'],
  [/Content-Length overflow|Invalid character in Content-Length|Empty Content-Length/, 'HPE_INVALID_CONTENT_LENGTH'],
  [/Duplicate Content-Length|Content-Length can't be present with Transfer-Encoding/, 'HPE_UNEXPECTED_CONTENT_LENGTH'],
  [/Transfer-Encoding can't be present with Content-Length|Invalid `Transfer-Encoding`/, 'HPE_INVALID_TRANSFER_ENCODING'],
  [/Chunk size overflow|Invalid character in chunk size/, 'HPE_INVALID_CHUNK_SIZE'],
  [/Missing expected CR/, 'HPE_CR_EXPECTED'],
  [/Expected LF|Missing expected LF/, 'HPE_LF_EXPECTED'],
  [/Data after `Connection: close`/, 'HPE_CLOSED_CONNECTION'],
  [/Invalid EOF state/, 'HPE_INVALID_EOF_STATE'],
  [/Unexpected space after start line/, 'HPE_UNEXPECTED_SPACE'],
];

/** llhttp's HPE_* code for one of its reason texts; CONNSCOPE_ERR_HTTP when the reason is not known. */
export function llhttpCodeOf(message: string): string {
  const hit = LLHTTP_REASONS.find(([re]) => re.test(message));
  return hit ? hit[1] : 'CONNSCOPE_ERR_HTTP';
}
