import dc from 'node:diagnostics_channel';
import type http from 'node:http';
import type { Socket } from 'node:net';

/** What undici's request objects carry that the tracer reads (its `undici:request:*` messages). */
export interface UndiciRequest {
  origin?: string | URL;
  method?: string;
  path?: string;
  headers?: unknown;
  /** null when the request has no body (undici normalises an empty one to null too). */
  body?: unknown;
}

/** undici's connect parameters (`undici:client:*` messages). */
export interface ConnectParams {
  host?: string;
  hostname?: string;
  protocol?: string;
  port?: string | number;
}

/**
 * Every diagnostics channel the tracer subscribes to, with the message its publisher sends (the
 * fields the tracer reads), in one table as got keeps them (source/core/diagnostics-channel.ts).
 * Types only: subscribing through subscribeChannel() costs what dc.subscribe() costs.
 */
export interface ChannelMessages {
  'undici:request:create': { request: UndiciRequest };
  'undici:client:beforeConnect': { connectParams: ConnectParams; connector: object };
  'undici:client:connected': { connectParams: ConnectParams; connector: object; socket: Socket };
  'undici:client:connectError': { connectParams: ConnectParams; connector: object; error: unknown };
  'undici:client:sendHeaders': { request: object; socket: Socket; headers: unknown };
  'undici:request:bodySent': { request: object };
  'undici:request:headers': { request: object; response: { statusCode: number; headers: unknown } };
  'undici:request:trailers': { request: object; trailers: unknown };
  'undici:request:error': { request: object; error: unknown };
  'http.client.request.start': { request: http.ClientRequest };
  'http.client.response.finish': { request: http.ClientRequest; response: http.IncomingMessage };
  'http.client.request.error': { request: http.ClientRequest; error: unknown };
  'http.server.request.start': { request: http.IncomingMessage; response: http.ServerResponse; socket: Socket; server: unknown };
  'http.server.response.finish': { request: http.IncomingMessage; response: http.ServerResponse; socket: Socket; server: unknown };
  'net.server.socket': { socket?: Socket & { server?: unknown } };
}

export type ChannelName = keyof ChannelMessages;
export type ChannelHandler<N extends ChannelName> = (message: ChannelMessages[N]) => void;

/** Subscribes a handler typed by its channel's message; returns the unsubscribe function. */
export function subscribeChannel<N extends ChannelName>(name: N, handler: ChannelHandler<N>): () => void {
  // the one place a channel's message type is asserted: dc hands every subscriber `unknown`
  const fn = handler as (message: unknown) => void;
  dc.subscribe(name, fn);
  return () => dc.unsubscribe(name, fn);
}
