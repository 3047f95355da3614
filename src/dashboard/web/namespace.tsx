// The namespace the user is looking at ('' = all namespaces), shared by every page and
// kept across reloads.

import { createContext, type ComponentChildren } from 'preact';
import { useContext, useState } from 'preact/hooks';

const KEY = 'skiff.dashboard.namespace';

interface NamespaceState {
  namespace: string;
  setNamespace(ns: string): void;
}

const Ctx = createContext<NamespaceState>({ namespace: 'default', setNamespace: () => undefined });

export function NamespaceProvider({ children }: { children: ComponentChildren }) {
  const [namespace, set] = useState(() => localStorage.getItem(KEY) ?? 'default');
  const setNamespace = (ns: string): void => {
    localStorage.setItem(KEY, ns);
    set(ns);
  };
  return <Ctx.Provider value={{ namespace, setNamespace }}>{children}</Ctx.Provider>;
}

export const useNamespace = (): NamespaceState => useContext(Ctx);
