/** Feature flags from the environment; unset means the permissive default except where noted. */
export interface Flags {
  FLAG_MULTI_SYMBOL: boolean;
  FLAG_REALTIME: boolean;
  STAGING_MODE: boolean;
}

export function readFlags(env: NodeJS.ProcessEnv): Flags {
  return {
    FLAG_MULTI_SYMBOL: env.FLAG_MULTI_SYMBOL !== '0',
    FLAG_REALTIME: env.FLAG_REALTIME !== '0',
    // Paper trading is the only broker this harness has; staging is therefore on unless said otherwise.
    STAGING_MODE: env.STAGING_MODE !== '0',
  };
}
