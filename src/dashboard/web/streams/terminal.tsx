// The terminal itself (its own chunk: xterm.js): a WebSocket to the exec subresource speaking
// the channel protocol, keystrokes to stdin, output to the screen, the size on every fit, and
// the command's end (exit code or error) written below the output and reported to the page.

import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
// as text, injected when a terminal opens (not part of the first page's stylesheet)
import xtermCss from '@xterm/xterm/css/xterm.css' with { type: 'text' };
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, apiRaw, apiWebSocket } from '../api/client.js';
import {
  closeStdinFrame,
  ERROR,
  EXEC_PROTOCOLS,
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

export function ExecTerminal({ path, onStatus }: TerminalProps) {
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
        void whyRefused(path).then((why) => {
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
  }, [path]);
  return <div class="terminal" ref={box} role="region" aria-label="Terminal" />;
}

/** The refusal of the same request without the upgrade (the browser hides the first one's). */
async function whyRefused(path: string): Promise<string> {
  try {
    await apiRaw(path, { accept: '*/*' });
    return 'Could not connect to the terminal.';
  } catch (e) {
    if (!(e instanceof ApiError))
      return `Could not connect to the terminal: ${(e as Error).message}`;
    return refusalMessage(e.status, location.pathname);
  }
}
