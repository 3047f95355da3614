// A shell in a container: the container and shell pickers, and the terminal (loaded on first
// use: xterm.js is not part of the first page). Changing either starts a new session.

import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { useObject } from '../api/hooks.js';
import { RESOURCES } from '../api/resources.js';
import { lazy } from '../components/lazy.js';
import { execPath, SHELLS } from '../streams/channels.js';
import { ContainerPicker, replaceHashQuery } from '../streams/container-picker.js';
import {
  containerToShow,
  namedContainer,
  podContainers,
  type ContainerName,
} from '../streams/containers.js';

const ExecTerminal = lazy(() => import('../streams/terminal.js').then((m) => m.ExecTerminal));

export function ExecPage({ params }: { params: { ns: string; name: string } }) {
  const n = namedContainer(location.hash, location.search);
  // another pod or container named in the address is a new session
  return <PodShell key={`${params.ns}/${params.name}/${n.named ?? ''}`} {...params} {...n} />;
}

function PodShell({ ns, name, named, hinted }: { ns: string; name: string } & ContainerName) {
  const pod = useObject(RESOURCES.pods, ns, name);
  const containers = podContainers(pod.object);
  const [chosen, setChosen] = useState<string>();
  const container = containerToShow(pod.object, { chosen, named, hinted });
  const [shell, setShell] = useState('sh');
  const [session, setSession] = useState(0);
  const [status, setStatus] = useState({ text: '', ended: false });
  const ready = Boolean(container) || pod.loaded || Boolean(pod.error);
  const state = containers.find((c) => c.name === container)?.state;

  const pickContainer = (c: string) => {
    setChosen(c);
    replaceHashQuery(`/pods/${ns}/${name}/exec`, { container: c });
  };

  return (
    <section class="exec-page">
      <h2>
        Terminal in <Link href={`/pods/${ns}/${name}`}>{name}</Link>
        {container ? ` / ${container}` : ''}
      </h2>
      <div class="toolbar" role="toolbar" aria-label="Terminal options">
        <ContainerPicker containers={containers} value={container} onChange={pickContainer} />
        <label>
          Shell{' '}
          <select
            name="shell"
            aria-label="Shell"
            value={shell}
            onChange={(e) => setShell((e.target as HTMLSelectElement).value)}
          >
            {SHELLS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button onClick={() => setSession((n) => n + 1)}>
          {status.ended ? 'Reconnect' : 'Restart session'}
        </button>
        <Link href={`/pods/${ns}/${name}/logs${container ? `?container=${container}` : ''}`}>
          Logs
        </Link>
      </div>
      {state && state !== 'running' && (
        <p class="notice warn" role="status">
          Container {container} is {state}: a shell needs a running container.
        </p>
      )}
      <p class={status.ended ? 'notice' : 'hint'} role="status" aria-label="Session">
        {status.text}
      </p>
      {ready && (
        <ExecTerminal
          key={`${container}/${shell}/${session}`}
          path={execPath(ns, name, { container, command: [shell] })}
          namespace={ns}
          pod={name}
          onStatus={(text: string, ended: boolean) => setStatus({ text, ended })}
        />
      )}
    </section>
  );
}
