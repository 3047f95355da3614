// The one table every list uses: columns, rows, an empty text, and the list's state (loading,
// forbidden, reconnecting) said in words above it, so that no error breaks the page.

import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api/client.js';

export interface Column<T> {
  title: string;
  cell(row: T): ComponentChildren;
}

export interface TableProps<T> {
  columns: Column<T>[];
  rows: T[];
  rowKey(row: T): string;
  loaded: boolean;
  error: ApiError | undefined;
  /** What the rows are, for the empty and forbidden texts ("pods"). */
  noun: string;
}

export function Table<T>(p: TableProps<T>) {
  return (
    <div class="table-wrap">
      <ListState loaded={p.loaded} error={p.error} noun={p.noun} empty={p.rows.length === 0} />
      {p.rows.length > 0 && (
        <table class="list" data-list={p.noun}>
          <thead>
            <tr>
              {p.columns.map((c) => (
                <th key={c.title}>{c.title}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {p.rows.map((row) => (
              <tr key={p.rowKey(row)} data-row={p.rowKey(row)}>
                {p.columns.map((c) => (
                  <td key={c.title}>{c.cell(row)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function ListState(p: {
  loaded: boolean;
  error: ApiError | undefined;
  noun: string;
  empty: boolean;
}) {
  if (p.error?.forbidden)
    return (
      <p class="notice forbidden" role="status">
        You are not allowed to see {p.noun} here: {p.error.message}
      </p>
    );
  if (p.error && p.loaded)
    return (
      <p class="notice warn" role="status">
        Connection lost, reconnecting… ({p.error.message})
      </p>
    );
  if (p.error)
    return (
      <p class="notice error" role="alert">
        {p.error.message}
      </p>
    );
  if (!p.loaded) return <p class="notice">Loading {p.noun}…</p>;
  if (p.empty) return <p class="notice">There are no {p.noun} here.</p>;
  return null;
}
