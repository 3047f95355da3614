// A component loaded on first use (its own chunk): the terminal and the YAML editor bring
// large libraries that the first page must not pay for.

import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  return function Lazy(props: P) {
    const [C, setC] = useState<ComponentType<P> | undefined>(() => loaded);
    const [error, setError] = useState<string>();
    useEffect(() => {
      if (C) return;
      load().then(
        (c) => {
          loaded = c;
          setC(() => c);
        },
        (e: Error) => setError(e.message),
      );
    }, []);
    if (error) return <p class="notice error">Could not load this part of the page: {error}</p>;
    return C ? <C {...props} /> : <p class="notice">Loading…</p>;
  };
}
