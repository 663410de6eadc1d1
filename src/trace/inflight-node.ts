/** A node of the tracer's in-flight list: a traced request's state or a tally. */
export interface InflightNode {
  prev: InflightNode | undefined;
  next: InflightNode | undefined;
  done: boolean;
}
