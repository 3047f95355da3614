// The resource lists' table: the list's state said in words (loading, forbidden,
// reconnecting: the skeleton's ListState), and only the rows in view rendered once a list is
// long, so 5,000 pods scroll as smoothly as 50. Rows have one fixed height (cells do not
// wrap), which is what lets the visible slice be computed from the scroll offset alone.

import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api/client.js';
import { ListState } from './table.js';

export interface DataColumn<T> {
  title: string;
  cell(row: T): ComponentChildren;
}

export interface DataTableProps<T> {
  columns: DataColumn<T>[];
  rows: T[];
  rowKey(row: T): string;
  loaded: boolean;
  error: ApiError | undefined;
  /** What the rows are ("pods"), for the table's name and the empty and forbidden texts. */
  noun: string;
}

export const ROW_HEIGHT = 33;
/** Up to this many rows are all rendered; beyond, only those in view (and a margin). */
export const WINDOW_FROM = 150;
const MARGIN = 15;

/** The slice of rows to render for a scroll offset: [start, end). Pure, for the tests. */
export function visibleSlice(
  total: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight = ROW_HEIGHT,
  margin = MARGIN,
): [number, number] {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.max(0, Math.min(first - margin, total));
  // +1: a row cut at the bottom edge is in view too.
  const end = Math.min(total, first + Math.ceil(viewportHeight / rowHeight) + 1 + margin);
  return [start, Math.max(start, end)];
}

export function DataTable<T>(p: DataTableProps<T>) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(() =>
    typeof window === 'undefined' ? 800 : Math.round(window.innerHeight * 0.7),
  );
  const windowed = p.rows.length > WINDOW_FROM;
  useLayoutEffect(() => {
    if (windowed && scroller.current) setViewport(scroller.current.clientHeight || viewport);
  }, [windowed]);
  const [start, end] = windowed
    ? visibleSlice(p.rows.length, scrollTop, viewport)
    : [0, p.rows.length];
  const shown = p.rows.slice(start, end);
  return (
    <div class="table-wrap">
      {p.error?.code === 404 && !p.loaded ? (
        // A collection path that is not found: the kind is not served here (no such API).
        <p class="notice" role="status">
          This cluster does not serve {p.noun}.
        </p>
      ) : (
        <ListState loaded={p.loaded} error={p.error} noun={p.noun} empty={p.rows.length === 0} />
      )}
      {p.rows.length > 0 && (
        <div
          ref={scroller}
          class={windowed ? 'table-scroll windowed' : 'table-scroll'}
          onScroll={windowed ? (e) => setScrollTop(e.currentTarget.scrollTop) : undefined}
        >
          <table
            class="list"
            data-list={p.noun}
            aria-label={p.noun}
            aria-rowcount={p.rows.length + 1}
          >
            <thead>
              <tr aria-rowindex={1}>
                {p.columns.map((c) => (
                  <th key={c.title}>{c.title}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {start > 0 && (
                <tr
                  aria-hidden="true"
                  class="spacer"
                  style={{ height: `${start * ROW_HEIGHT}px` }}
                />
              )}
              {shown.map((row, i) => (
                <tr key={p.rowKey(row)} data-row={p.rowKey(row)} aria-rowindex={start + i + 2}>
                  {p.columns.map((c) => (
                    <td key={c.title}>{c.cell(row)}</td>
                  ))}
                </tr>
              ))}
              {end < p.rows.length && (
                <tr
                  aria-hidden="true"
                  class="spacer"
                  style={{ height: `${(p.rows.length - end) * ROW_HEIGHT}px` }}
                />
              )}
            </tbody>
          </table>
        </div>
      )}
      {p.rows.length > 0 && <p class="hint count">Total: {p.rows.length}</p>}
    </div>
  );
}
