// The terminal itself (its own chunk: xterm.js): a WebSocket to the exec subresource speaking
// the channel protocol, keystrokes to stdin, output to the screen, the size on every fit, and
// the command's end (exit code or error) written below the output and reported to the page.

import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
// as text, injected when a terminal opens (not part of the first page's stylesheet)
import xtermCss from '@xterm/xterm/css/xterm.css' with { type: 'text' };
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, api, apiRaw, apiWebSocket } from '../api/client.js';
import {
  closeStdinFrame,
  ERROR,
  EXEC_PROTOCOLS,
  execAccessReview,
  execEnd,
  parseFrame,
  refusalMessage,
  resizeFrame,
  STDERR,
  STDOUT,
  stdinFrame,
} from './channels.js';

export interface TerminalProps {
  /** The exec path with its query (channels.ts execPath). */
  path: string;
  namespace: string;
  pod: string;
  onStatus(text: string, ended: boolean): void;
}

let styled = false;
/** xterm's stylesheet, added once when the first terminal opens (the first page never pays). */
function addStyle(): void {
  if (styled) return;
  styled = true;
  const style = document.createElement('style');
  style.textContent = xtermCss;
  document.head.append(style);
}

export function ExecTerminal({ path, namespace, pod, onStatus }: TerminalProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    addStyle();
    const term = new Terminal({
      cursorBlink: true,
      fontSize: 13,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace",
      scrollback: 5000,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(box.current!);
    fit.fit();

    const ws = apiWebSocket(path, EXEC_PROTOCOLS);
    ws.binaryType = 'arraybuffer';
    const decoder = new TextDecoder();
    let status = '';
    let opened = false;
    let disposed = false;
    const send = (frame: Uint8Array) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    };
    onStatus('Connecting…', false);
    ws.onopen = () => {
      opened = true;
      onStatus(`Connected (${ws.protocol || 'no subprotocol'}).`, false);
      send(resizeFrame(term.cols, term.rows));
      term.focus();
    };
    ws.onmessage = (e) => {
      if (typeof e.data === 'string') return;
      const m = parseFrame(e.data as ArrayBuffer);
      if (!m) return;
      if (m.channel === STDOUT || m.channel === STDERR) term.write(m.data);
      else if (m.channel === ERROR) status += decoder.decode(m.data, { stream: true });
    };
    ws.onclose = (e) => {
      let text: string;
      const end = status ? execEnd(status) : undefined;
      if (end) text = end.exitCode === undefined ? end.message : `The command ${end.message}.`;
      else if (!opened) {
        // a browser is told nothing about a refused upgrade: ask again without it
        onStatus('Could not connect; asking the server why…', false);
        void whyRefused(path, namespace, pod).then((why) => {
          if (disposed) return;
          term.write(`\r\n\x1b[2m[${why}]\x1b[0m\r\n`);
          onStatus(why, true);
        });
        return;
      } else if (e.code === 1000 || e.code === 1005) text = 'The session ended.';
      else text = `The connection closed (${e.code}${e.reason ? `: ${e.reason}` : ''}).`;
      term.write(`\r\n\x1b[2m[${text}]\x1b[0m\r\n`);
      onStatus(text, true);
    };
    const data = term.onData((d) => send(stdinFrame(d)));
    const binary = term.onBinary((d) =>
      send(stdinFrame(Uint8Array.from(d, (c) => c.charCodeAt(0)))),
    );
    const resize = term.onResize(({ cols, rows }) => send(resizeFrame(cols, rows)));
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(box.current!);
    return () => {
      disposed = true;
      observer.disconnect();
      data.dispose();
      binary.dispose();
      resize.dispose();
      if (ws.readyState === WebSocket.OPEN && ws.protocol === 'v5.channel.k8s.io')
        ws.send(closeStdinFrame());
      ws.onclose = null;
      ws.close();
      term.dispose();
    };
  }, [path, namespace, pod]);
  return <div class="terminal" ref={box} role="region" aria-label="Terminal" />;
}

/**
 * Why the server refused the terminal (a browser is not told): whether RBAC lets the user
 * exec into the pod, else the answer to the same request without the upgrade.
 */
async function whyRefused(path: string, namespace: string, pod: string): Promise<string> {
  const review = await api<{ status?: { allowed?: boolean; reason?: string } }>(
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    { method: 'POST', body: execAccessReview(namespace, pod) },
  ).catch(() => undefined);
  if (review?.status && !review.status.allowed)
    return (
      `You may not open a terminal in pod ${pod}: creating pods/exec in namespace ` +
      `${namespace} is not allowed${review.status.reason ? ` (${review.status.reason})` : ''}.`
    );
  try {
    await apiRaw(path, { accept: '*/*' });
  } catch (e) {
    const said = e instanceof ApiError ? refusalMessage(e.status, location.pathname) : undefined;
    if (said) return `The server refused the terminal: ${said}`;
  }
  return 'The server refused the terminal (is the container running?).';
}
