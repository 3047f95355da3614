import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MSG,
  derivedLabels,
  replicasWarning,
  unresolvedReferences,
  validateAppName,
  validateCpu,
  validateImage,
  validateLabelKey,
  validateLabelValue,
  validateLabels,
  validateMemory,
  validateNamespaceName,
  validatePorts,
  validateReplicas,
  validateSecretData,
  validateSecretName,
  validateVariableName,
} from './validation.js';

describe('deploy form: app name', () => {
  it('is required; spaces alone are no name', () => {
    assert.deepEqual(validateAppName(''), [MSG.appNameRequired]);
    assert.deepEqual(validateAppName('   '), [MSG.appNameRequired]);
  });
  it('starts with a lowercase letter, ends with a lowercase letter or digit, "-" inside', () => {
    for (const ok of ['a', 'web', 'my-app-2', 'a1', 'x--y'])
      assert.deepEqual(validateAppName(ok), [], ok);
    for (const bad of ['1web', '-web', 'web-', 'Web', 'my_app', 'my.app', 'my app', 'wéb'])
      assert.deepEqual(validateAppName(bad), [MSG.appNamePattern], bad);
  });
  it('is at most 24 characters, surrounding spaces not counted', () => {
    assert.deepEqual(validateAppName('a'.repeat(24)), []);
    assert.deepEqual(validateAppName(`  ${'a'.repeat(24)}  `), []);
    assert.deepEqual(validateAppName('a'.repeat(25)), [MSG.appNameTooLong]);
    assert.equal(MSG.appNameTooLong, 'Name must be up to 24 characters long.');
  });
  it('is unique among the namespace Deployments and Services', () => {
    assert.deepEqual(validateAppName(' web ', new Set(['web'])), [MSG.appNameTaken]);
    assert.deepEqual(validateAppName('web2', new Set(['web'])), []);
  });
  it('says every rule a name breaks', () => {
    assert.deepEqual(validateAppName(`A${'b'.repeat(30)}`), [
      MSG.appNamePattern,
      MSG.appNameTooLong,
    ]);
  });
});

describe('deploy form: image, pods', () => {
  it('an image is required and must be a valid reference', () => {
    assert.deepEqual(validateImage(''), [MSG.imageRequired]);
    assert.deepEqual(validateImage('nginx:1.25'), []);
    assert.deepEqual(validateImage(' nginx '), []);
    assert.deepEqual(validateImage('Nginx'), [
      'Container image is invalid: repository name must be lowercase',
    ]);
    assert.deepEqual(validateImage('nginx:'), [
      'Container image is invalid: invalid reference format',
    ]);
  });
  it('the number of pods is a required positive integer', () => {
    assert.deepEqual(validateReplicas('3'), []);
    assert.deepEqual(validateReplicas(''), [MSG.replicasRequired]);
    assert.deepEqual(validateReplicas('1.5'), [MSG.replicasInteger]);
    assert.deepEqual(validateReplicas('two'), [MSG.replicasInteger]);
    assert.deepEqual(validateReplicas('1e3'), [MSG.replicasInteger]);
    assert.deepEqual(validateReplicas('0'), [MSG.replicasMin]);
    assert.deepEqual(validateReplicas('-2'), [MSG.replicasMin]);
  });
  it('many pods only warn', () => {
    assert.equal(replicasWarning('100'), undefined);
    assert.equal(replicasWarning('101'), MSG.replicasHigh);
    assert.deepEqual(validateReplicas('101'), []);
  });
});

describe('deploy form: service ports', () => {
  const row = (port: string, targetPort: string, protocol = 'TCP') => ({
    port,
    targetPort,
    protocol,
  });
  it('no service, no port rules', () => {
    assert.deepEqual(validatePorts([row('', '')], 'none'), []);
  });
  it('the first row is required; a later empty row is left alone', () => {
    assert.deepEqual(validatePorts([row('', ''), row('', '')], 'internal'), [
      { port: [MSG.portRequired], targetPort: [MSG.targetPortRequired], protocol: [] },
      { port: [], targetPort: [], protocol: [] },
    ]);
  });
  it('a half-filled later row wants its other half', () => {
    assert.deepEqual(validatePorts([row('80', '80'), row('81', '')], 'internal')[1], {
      port: [],
      targetPort: [MSG.targetPortRequired],
      protocol: [],
    });
  });
  it('ports are integers from 1 to 65535', () => {
    const [e] = validatePorts([row('80.5', '0')], 'internal');
    assert.deepEqual(e, { port: [MSG.portInteger], targetPort: [MSG.targetPortMin], protocol: [] });
    const [f] = validatePorts([row('65536', 'x')], 'internal');
    assert.deepEqual(f, { port: [MSG.portMax], targetPort: [MSG.targetPortInteger], protocol: [] });
    const [g] = validatePorts([row('-1', '65536')], 'internal');
    assert.deepEqual(g, { port: [MSG.portMin], targetPort: [MSG.targetPortMax], protocol: [] });
    assert.deepEqual(validatePorts([row('1', '65535')], 'internal')[0]?.port, []);
  });
  it('protocol is TCP or UDP, and UDP cannot be external', () => {
    assert.deepEqual(validatePorts([row('53', '53', '')], 'internal')[0]?.protocol, [
      MSG.protocolRequired,
    ]);
    assert.deepEqual(validatePorts([row('53', '53', 'SCTP')], 'internal')[0]?.protocol, [
      MSG.protocolInvalid,
    ]);
    assert.deepEqual(validatePorts([row('53', '53', 'UDP')], 'internal')[0]?.protocol, []);
    assert.deepEqual(validatePorts([row('53', '53', 'UDP')], 'external')[0]?.protocol, [
      MSG.protocolInvalid,
    ]);
  });
});

describe('deploy form: labels', () => {
  it('keys: a name of alphanumerics with - _ . inside, optionally a DNS subdomain prefix and /', () => {
    for (const ok of ['tier', 'app.kubernetes.io/name', 'a_b', 'A-1', 'example.com/x'])
      assert.deepEqual(validateLabelKey(ok), [], ok);
    assert.deepEqual(validateLabelKey('-tier'), [MSG.labelKeyNamePattern]);
    assert.deepEqual(validateLabelKey('Example.com/x'), [MSG.labelKeyPrefixPattern]);
    assert.deepEqual(validateLabelKey('example.com/'), [MSG.labelKeyNamePattern]);
    assert.deepEqual(validateLabelKey('a'.repeat(64)), [MSG.labelKeyNameLength]);
    assert.deepEqual(validateLabelKey(`${'a'.repeat(254)}/x`), [MSG.labelKeyPrefixLength]);
  });
  it('values: empty, or alphanumerics with . - _ inside, at most 63 characters', () => {
    for (const ok of ['', '1.0', 'frontend', 'a_b-c.d'])
      assert.deepEqual(validateLabelValue(ok), [], ok);
    assert.deepEqual(validateLabelValue('-x'), [MSG.labelValuePattern]);
    assert.deepEqual(validateLabelValue('a b'), [MSG.labelValuePattern]);
    assert.deepEqual(validateLabelValue('a'.repeat(64)), [MSG.labelValueLength]);
  });
  it('a key used twice is not unique (the derived app and version count)', () => {
    const rows = [
      ...derivedLabels('web', 'nginx:1.25'),
      { key: 'version', value: '2' },
      { key: 'tier', value: 'frontend' },
    ];
    const e = validateLabels(rows);
    assert.deepEqual(e[1]?.key, [MSG.labelKeyNotUnique('version')]);
    assert.deepEqual(e[2]?.key, ['version is not unique']);
    assert.deepEqual(e[3], { key: [], value: [] });
  });
  it('app comes from the name, version from the image tag', () => {
    assert.deepEqual(derivedLabels(' web ', 'registry.local:5000/team/nginx:1.25'), [
      { key: 'app', value: 'web' },
      { key: 'version', value: '1.25' },
    ]);
    assert.equal(derivedLabels('web', 'registry.local:5000/nginx')[1]?.value, '');
  });
});

describe('deploy form: resources, variables', () => {
  it('CPU and memory requests are optional non-negative numbers', () => {
    assert.deepEqual(validateCpu(''), []);
    assert.deepEqual(validateCpu('0.5'), []);
    assert.deepEqual(validateCpu('abc'), [MSG.cpuNumber]);
    assert.deepEqual(validateCpu('-1'), [MSG.cpuPositive]);
    assert.deepEqual(validateMemory('128'), []);
    assert.deepEqual(validateMemory('1O0'), [MSG.memoryNumber]);
    assert.deepEqual(validateMemory('-64'), [MSG.memoryPositive]);
  });
  it('variable names are C identifiers; a row without a name is left out', () => {
    assert.deepEqual(validateVariableName(''), []);
    assert.deepEqual(validateVariableName('DB_HOST'), []);
    assert.deepEqual(validateVariableName('_x1'), []);
    assert.deepEqual(validateVariableName('1X'), [MSG.variableName]);
    assert.deepEqual(validateVariableName('DB-HOST'), [MSG.variableName]);
  });
  it('$(VAR) references to undefined variables are found; $$(VAR) is a literal', () => {
    const rows = [
      { name: 'HOST', value: 'db' },
      { name: 'URL', value: 'http://$(HOST):$(PORT)/$$(LITERAL)' },
    ];
    assert.deepEqual(unresolvedReferences(rows), ['PORT']);
  });
});

describe('new namespace and image pull secret names', () => {
  it('namespace: required, ≤ 63, lowercase alphanumerics and -, alphanumeric ends, not all digits', () => {
    assert.deepEqual(validateNamespaceName(''), [MSG.namespaceRequired]);
    assert.deepEqual(validateNamespaceName(' team-a '), []);
    assert.deepEqual(validateNamespaceName('1team'), []);
    assert.deepEqual(validateNamespaceName('Team'), [MSG.namespacePattern]);
    assert.deepEqual(validateNamespaceName('team-'), [MSG.namespacePattern]);
    assert.deepEqual(validateNamespaceName('team.a'), [MSG.namespacePattern]);
    assert.deepEqual(validateNamespaceName('10'), [MSG.namespaceDigits]);
    assert.deepEqual(validateNamespaceName('a'.repeat(64)), [MSG.namespaceTooLong]);
    assert.equal(MSG.namespaceTooLong, 'Name must be up to 63 characters long.');
  });
  it('secret: a DNS subdomain of at most 253 characters', () => {
    assert.deepEqual(validateSecretName('new.image-pull.secret'), []);
    assert.deepEqual(validateSecretName(''), [MSG.secretNameRequired]);
    assert.deepEqual(validateSecretName('New.Secret'), [MSG.secretNamePattern]);
    assert.deepEqual(validateSecretName('a..b'), [MSG.secretNamePattern]);
    assert.deepEqual(validateSecretName(`${'a'.repeat(63)}.`.repeat(4) + 'a'), [
      MSG.secretNameTooLong,
    ]);
  });
  it('secret data: required, Base64', () => {
    assert.deepEqual(validateSecretData(''), [MSG.secretDataRequired]);
    assert.deepEqual(validateSecretData(Buffer.from('{"auths":{}}').toString('base64')), []);
    assert.deepEqual(validateSecretData('not base64!'), [MSG.secretDataBase64]);
    assert.deepEqual(validateSecretData('abc'), [MSG.secretDataBase64]);
  });
});

describe('generated values', () => {
  // A seeded walk over random strings: every check answers with messages of its own table,
  // and a name it accepts is one the API server accepts too (DNS-1123 label rules).
  it('checks never throw and accept only what Kubernetes accepts', () => {
    let seed = 15;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = 'abz09-_.A /:@$()';
    const known = new Set<string>(Object.values(MSG).filter((m) => typeof m === 'string'));
    for (let i = 0; i < 400; i++) {
      let s = '';
      const n = Math.floor(rnd() * 30);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      for (const m of [
        ...validateAppName(s),
        ...validateNamespaceName(s),
        ...validateSecretName(s),
        ...validateReplicas(s),
      ])
        assert.ok(known.has(m), `${JSON.stringify(s)}: ${m}`);
      if (validateAppName(s).length === 0)
        assert.match(s.trim(), /^[a-z]([-a-z0-9]{0,22}[a-z0-9])?$/);
      if (validateNamespaceName(s).length === 0)
        assert.match(s.trim(), /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    }
  });
});
