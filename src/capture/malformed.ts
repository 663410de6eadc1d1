/** Thrown by the TLS parsers when a structure runs past its bounds; they turn it into "unparsable". */
export class MalformedError extends Error {}
