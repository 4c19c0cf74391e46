/** @binance/connector 3.x ships no types: the part of WebsocketStream the SDK test uses. */
declare module '@binance/connector' {
  interface Logger {
    debug(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
    log(...args: unknown[]): void;
  }
  export class WebsocketStream {
    constructor(options: { logger?: Logger; wsURL?: string; combinedStreams?: boolean; callbacks?: { open?: () => void; close?: () => void; message?: (data: string) => void } });
    subscribe(stream: string | string[]): void;
    unsubscribe(stream: string | string[]): void;
    disconnect(): void;
  }
}
