// A container's log: follow (a streamed response, appended as it arrives), previous, timestamps,
// tail, search (highlight, and optionally only matching lines), and the full log as a download.
// At most MAX_LINES lines are held; the page says when earlier ones were dropped.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { ApiError, apiRaw } from '../api/client.js';
import { useObject } from '../api/hooks.js';
import { RESOURCES } from '../api/resources.js';
import { ContainerPicker, replaceHashQuery } from '../streams/container-picker.js';
import {
  containerToShow,
  namedContainer,
  podContainers,
  type ContainerName,
} from '../streams/containers.js';
import { LogLines, logFileName, logPath, matches, MAX_LINES } from '../streams/log-lines.js';
import { LogView } from '../streams/log-view.js';

const TAIL_CHOICES = ['100', '1000', '10000', 'all'];

type StreamState = 'connecting' | 'streaming' | 'ended' | 'error';

export function LogsPage({ params }: { params: { ns: string; name: string } }) {
  const n = namedContainer(location.hash, location.search);
  // another pod or container named in the address is a new page, not this one's state
  return <PodLogs key={`${params.ns}/${params.name}/${n.named ?? ''}`} {...params} {...n} />;
}

function PodLogs({ ns, name, named, hinted }: { ns: string; name: string } & ContainerName) {
  const pod = useObject(RESOURCES.pods, ns, name);
  const containers = podContainers(pod.object);
  const [chosen, setChosen] = useState<string>();
  const container = containerToShow(pod.object, { chosen, named, hinted });
  const [follow, setFollow] = useState(true);
  const [previous, setPrevious] = useState(false);
  const [timestamps, setTimestamps] = useState(false);
  const [tail, setTail] = useState('1000');
  const [search, setSearch] = useState('');
  const [onlyMatching, setOnlyMatching] = useState(false);
  const [view, setView] = useState({ lines: [] as string[], dropped: 0 });
  const [state, setState] = useState<StreamState>('connecting');
  const [error, setError] = useState<string>();
  const [downloading, setDownloading] = useState(false);
  const [attempt, setAttempt] = useState(0);

  // wait for the pod (to know its default container) unless it cannot be read
  const ready = Boolean(container) || pod.loaded || Boolean(pod.error);

  useEffect(() => {
    if (!ready) return undefined;
    const abort = new AbortController();
    const buffer = new LogLines();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // one render per batch of chunks, not per chunk
    const flush = () => {
      timer = undefined;
      setView({ lines: buffer.lines(), dropped: buffer.dropped });
    };
    const schedule = () => (timer ??= setTimeout(flush, 50));
    setView({ lines: [], dropped: 0 });
    setState('connecting');
    setError(undefined);
    (async () => {
      const res = await apiRaw(
        logPath(ns, name, {
          container,
          follow,
          previous,
          timestamps,
          tailLines: tail === 'all' ? undefined : Number(tail),
        }),
        { signal: abort.signal, accept: 'text/plain, */*' },
      );
      setState('streaming');
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer.push(value);
        schedule();
      }
      buffer.end();
      clearTimeout(timer);
      flush();
      setState('ended');
    })().catch((e: Error) => {
      if (abort.signal.aborted) return;
      clearTimeout(timer);
      flush();
      setState('error');
      setError(e instanceof ApiError ? e.message : `The log stream failed: ${e.message}`);
    });
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [ready, ns, name, container, follow, previous, timestamps, tail, attempt]);

  const lines = useMemo(
    () => (onlyMatching && search ? view.lines.filter((l) => matches(l, search)) : view.lines),
    [view, onlyMatching, search],
  );
  const hits = useMemo(
    () => (search ? view.lines.reduce((n, l) => n + (matches(l, search) ? 1 : 0), 0) : 0),
    [view, search],
  );

  const download = async () => {
    setDownloading(true);
    try {
      const res = await apiRaw(logPath(ns, name, { container, previous, timestamps }), {
        accept: 'text/plain, */*',
      });
      // a Blob keeps megabytes out of the page's strings
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = logFileName(name, container ?? 'log', previous);
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setDownloading(false);
    }
  };

  const pickContainer = (c: string) => {
    setChosen(c);
    replaceHashQuery(`/pods/${ns}/${name}/logs`, { container: c });
  };

  return (
    <section class="logs-page">
      <h2>
        Logs of <Link href={`/pods/${ns}/${name}`}>{name}</Link>
        {container ? ` / ${container}` : ''}
      </h2>
      <div class="toolbar" role="toolbar" aria-label="Log options">
        <ContainerPicker containers={containers} value={container} onChange={pickContainer} />
        <label>
          <input
            type="checkbox"
            name="follow"
            checked={follow}
            onChange={(e) => setFollow((e.target as HTMLInputElement).checked)}
          />{' '}
          Follow
        </label>
        <label>
          <input
            type="checkbox"
            name="previous"
            checked={previous}
            onChange={(e) => setPrevious((e.target as HTMLInputElement).checked)}
          />{' '}
          Previous container
        </label>
        <label>
          <input
            type="checkbox"
            name="timestamps"
            checked={timestamps}
            onChange={(e) => setTimestamps((e.target as HTMLInputElement).checked)}
          />{' '}
          Timestamps
        </label>
        <label>
          Lines{' '}
          <select
            name="tail"
            aria-label="Lines"
            value={tail}
            onChange={(e) => setTail((e.target as HTMLSelectElement).value)}
          >
            {TAIL_CHOICES.map((t) => (
              <option key={t} value={t}>
                {t === 'all' ? 'All' : `Last ${Number(t).toLocaleString('en')}`}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search{' '}
          <input
            type="search"
            name="search"
            aria-label="Search"
            value={search}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          <input
            type="checkbox"
            name="only-matching"
            checked={onlyMatching}
            onChange={(e) => setOnlyMatching((e.target as HTMLInputElement).checked)}
          />{' '}
          Only matching lines
        </label>
        <button onClick={download} disabled={downloading}>
          {downloading ? 'Downloading…' : 'Download full log'}
        </button>
        <Link href={`/pods/${ns}/${name}/exec${container ? `?container=${container}` : ''}`}>
          Terminal
        </Link>
      </div>
      <p class="hint" role="status" aria-label="Log state">
        {describeState(state, follow, view.lines.length)}
        {search ? ` ${hits.toLocaleString('en')} matching line${hits === 1 ? '' : 's'}.` : ''}
        {view.dropped > 0 &&
          ` Showing the last ${view.lines.length.toLocaleString('en')} lines; ${view.dropped.toLocaleString('en')} earlier lines are not kept here (at most ${MAX_LINES.toLocaleString('en')}) — download the full log to see them.`}
      </p>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
      {(state === 'error' || (state === 'ended' && follow)) && (
        <button onClick={() => setAttempt((n) => n + 1)}>Reconnect</button>
      )}
      <LogView lines={lines} search={search} stick={follow} label={`Log of ${container ?? name}`} />
    </section>
  );
}

function describeState(state: StreamState, follow: boolean, count: number): string {
  const n = `${count.toLocaleString('en')} lines.`;
  if (state === 'connecting') return 'Connecting…';
  if (state === 'streaming') return follow ? `Following: ${n}` : `Loading: ${n}`;
  if (state === 'ended') return follow ? `The log stream ended: ${n}` : n;
  return n;
}
