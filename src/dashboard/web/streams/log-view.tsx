// The log's lines in a scrolled box that renders only the lines in view (fixed line height),
// so ten thousand lines cost the same as fifty; it sticks to the bottom while following.

import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { highlight, visibleWindow } from './log-lines.js';

/** Must match `.log-line` in style.css. */
const LINE_HEIGHT = 18;

export function LogView(p: { lines: string[]; search: string; label: string; stick: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 600 });
  const atBottom = useRef(true);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (p.stick && atBottom.current) el.scrollTop = el.scrollHeight;
    setScroll({ top: el.scrollTop, height: el.clientHeight });
  }, [p.lines, p.stick]);

  const onScroll = () => {
    const el = box.current!;
    atBottom.current = el.scrollTop + el.clientHeight >= el.scrollHeight - LINE_HEIGHT * 2;
    setScroll({ top: el.scrollTop, height: el.clientHeight });
  };

  const { start, end } = visibleWindow(scroll.top, scroll.height, LINE_HEIGHT, p.lines.length);
  const shown = p.lines.slice(start, end);
  return (
    <div class="log-view" ref={box} onScroll={onScroll} role="log" aria-label={p.label}>
      <div class="log-lines" style={{ height: `${p.lines.length * LINE_HEIGHT}px` }}>
        <div style={{ transform: `translateY(${start * LINE_HEIGHT}px)` }}>
          {shown.map((line, i) => (
            <div class="log-line" key={start + i}>
              {p.search
                ? highlight(line, p.search).map((s, j) =>
                    s.hit ? <mark key={j}>{s.text}</mark> : s.text,
                  )
                : line || ' '}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
