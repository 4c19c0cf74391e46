/**
 * The code that runs first in a strategy's vm context, before the strategy's own: it replaces
 * every source of non-determinism with a trap, freezes the intrinsics so the strategy cannot undo
 * that (or tamper with what this code uses), and defines the frozen `__trader` object the host
 * calls through. It is a string because it must be compiled inside the context: a function of
 * the host realm handed to the strategy would be a way out (`fn.constructor` is the host's
 * Function, which may generate code).
 *
 * A trap records the first forbidden call in a closure the strategy cannot reach and throws; the
 * host asks for the record after every call, so a strategy that swallows the throw is still
 * caught. Everything that touches a value the strategy made (its exports, its output, an error
 * it threw) happens in here, under the vm time budget, and only strings go back to the host: a
 * getter or a Proxy cannot make the host itself loop or throw.
 */
export const SANDBOX_BOOTSTRAP = String.raw`(function () {
  'use strict';
  const g = globalThis;
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, freeze } = Object;
  const ownKeys = Reflect.ownKeys;
  const construct = Reflect.construct;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const StringOf = String;
  const EvalErrorClass = EvalError;
  const TypeErrorClass = TypeError;
  let violation = null;

  const deny = (what) => function () {
    if (violation === null) violation = what;
    throw new TypeErrorClass(what + ' is not allowed in a strategy (no clock, randomness, timers or I/O)');
  };
  const trapGlobal = (name) => {
    const trap = deny(name);
    defineProperty(g, name, { get: trap, set: trap, enumerable: false, configurable: false });
  };

  // Host globals a bare context does not have, but a strategy written for Node might reach for:
  // a clear violation instead of a ReferenceError. Realm globals that read time, share memory,
  // compile code, observe the garbage collector or make promises (an unhandled rejection in the
  // context would surface in the host) are removed the same way.
  for (const name of ['performance', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval',
    'clearImmediate', 'queueMicrotask', 'process', 'require', 'module', 'exports', 'Buffer', 'fetch', 'crypto',
    'structuredClone', 'console', 'SharedArrayBuffer', 'Atomics', 'WebAssembly', 'Intl', 'WeakRef',
    'FinalizationRegistry', 'Promise']) trapGlobal(name);

  const RealDate = Date;
  const dateCall = deny('Date()');
  const dateNow = deny('new Date()');
  const dateFields = deny('new Date(string or local time fields)');
  // new Date(epochMs) stays: it is a pure function of its argument (use the getUTC* methods).
  function SafeDate(...args) {
    if (new.target === undefined) return dateCall();
    if (args.length === 0) return dateNow();
    if (args.length !== 1 || typeof args[0] !== 'number') return dateFields();
    return construct(RealDate, args, new.target);
  }
  const proto = RealDate.prototype;
  defineProperty(SafeDate, 'prototype', { value: proto, writable: false, configurable: false });
  defineProperty(proto, 'constructor', { value: SafeDate, writable: true, configurable: true });
  SafeDate.UTC = RealDate.UTC;
  SafeDate.now = deny('Date.now');
  SafeDate.parse = deny('Date.parse');
  // Local-time methods answer differently in another time zone.
  for (const m of ['getDate', 'getDay', 'getFullYear', 'getHours', 'getMinutes', 'getMonth', 'getSeconds',
    'getMilliseconds', 'getTimezoneOffset', 'getYear', 'setDate', 'setFullYear', 'setHours', 'setMilliseconds',
    'setMinutes', 'setMonth', 'setSeconds', 'setYear', 'toDateString', 'toLocaleDateString', 'toLocaleString',
    'toLocaleTimeString', 'toString', 'toTimeString']) {
    if (getOwnPropertyDescriptor(proto, m)) proto[m] = deny('Date.prototype.' + m);
  }
  defineProperty(g, 'Date', { value: SafeDate, writable: false, enumerable: false, configurable: false });

  Math.random = deny('Math.random');
  defineProperty(g, 'eval', { value: deny('eval'), writable: false, enumerable: false, configurable: false });
  // Locale-dependent answers differ between machines.
  String.prototype.localeCompare = deny('String.prototype.localeCompare');
  String.prototype.toLocaleLowerCase = deny('String.prototype.toLocaleLowerCase');
  String.prototype.toLocaleUpperCase = deny('String.prototype.toLocaleUpperCase');
  Number.prototype.toLocaleString = deny('Number.prototype.toLocaleString');
  Array.prototype.toLocaleString = deny('Array.prototype.toLocaleString');

  // Deep-freeze every intrinsic reachable from the global object (values only: getters are traps),
  // so the strategy cannot undo a trap or change what the code below relies on.
  // The global object itself cannot be frozen (the host owns it); its properties are fixed below.
  const frozen = new WeakSet([g]);
  const freezeDeep = (o) => {
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || frozen.has(o)) return;
    frozen.add(o);
    freeze(o);
    for (const k of ownKeys(o)) {
      const d = getOwnPropertyDescriptor(o, k);
      if (d !== undefined && 'value' in d) freezeDeep(d.value);
    }
    freezeDeep(getPrototypeOf(o));
  };
  for (const k of ownKeys(g)) {
    const d = getOwnPropertyDescriptor(g, k);
    // (Redefining the global's own properties is not done: through the context's interceptor it
    // would replace them with undefined. Rebinding a global only changes what the strategy itself
    // sees; the traps above are fixed with full descriptors.)
    if (d !== undefined && 'value' in d) freezeDeep(d.value);
  }

  const describe = (e) => {
    try {
      if (e !== null && typeof e === 'object' && typeof e.message === 'string') return StringOf(e.name) + ': ' + e.message;
      return StringOf(e);
    } catch (ignored) {
      return 'threw a value that cannot be printed';
    }
  };
  const failure = (e) => {
    if (violation === null && e instanceof EvalErrorClass) violation = 'eval/Function (code generation from strings)';
    return violation !== null ? stringify({ violation }) : stringify({ threw: describe(e) });
  };
  let exported = null;
  // The strategy can see __trader too: it may not load a second time (swap its decide) nor call
  // in while a call is running (which would reset the violation record).
  let loadedOnce = false;
  let calling = false;

  const api = freeze({
    load(factory) {
      if (loadedOnce) throw new TypeErrorClass('__trader.load is not for strategies');
      loadedOnce = true;
      violation = null;
      let ex;
      try {
        ex = factory();
        exported = ex;
        const description = {
          name: ex.name, version: ex.version, lookback: ex.lookback, params: ex.params, decide: typeof ex.decide,
        };
        if (violation !== null) return stringify({ violation });
        return stringify({ ok: description });
      } catch (e) {
        return failure(e);
      }
    },
    call(inputsJson, paramsJson) {
      if (calling) throw new TypeErrorClass('__trader.call is not for strategies');
      calling = true;
      violation = null;
      try {
        const value = exported.decide(parse(inputsJson), parse(paramsJson));
        const text = stringify({ returned: value !== undefined, value });
        return violation !== null ? stringify({ violation }) : text;
      } catch (e) {
        return failure(e);
      } finally {
        calling = false;
      }
    },
  });
  defineProperty(g, '__trader', { value: api, writable: false, enumerable: false, configurable: false });
})();`;
