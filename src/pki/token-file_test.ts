import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTokenAuthFile } from './index.js';

describe('parseTokenAuthFile', () => {
  it('reads tokens with and without groups, skipping comments and blank lines', () => {
    const lookup = parseTokenAuthFile(
      [
        '# static tokens for the demo cluster',
        '',
        'abc123,admin,1,"system:masters,skiff:ops"',
        'def456,viewer,2',
        '   ',
        'ghi789,"doe, jane",3,devs',
      ].join('\r\n'),
    );
    assert.deepEqual(lookup('abc123'), {
      name: 'admin',
      uid: '1',
      groups: ['system:masters', 'skiff:ops'],
    });
    assert.deepEqual(lookup('def456'), { name: 'viewer', uid: '2', groups: [] });
    assert.deepEqual(lookup('ghi789'), { name: 'doe, jane', uid: '3', groups: ['devs'] });
    assert.equal(lookup('abc12'), undefined);
    assert.equal(lookup('abc1234'), undefined);
    assert.equal(lookup(''), undefined);
  });

  it('handles escaped quotes, quoted newlines, extra columns and a missing final newline', () => {
    const lookup = parseTokenAuthFile('t1,"say ""hi""",u1,"g1,\ng2",extra\nt2,b,u2,');
    assert.deepEqual(lookup('t1'), { name: 'say "hi"', uid: 'u1', groups: ['g1', '\ng2'] });
    assert.deepEqual(lookup('t2'), { name: 'b', uid: 'u2', groups: [] });
  });

  it('lets a later duplicate win and skips empty tokens', () => {
    const lookup = parseTokenAuthFile('t,first,1\n,nobody,0\nt,second,2\n');
    assert.equal(lookup('t')?.name, 'second');
    assert.equal(lookup(''), undefined);
  });

  it('reports the line of a bad record', () => {
    assert.throws(() => parseTokenAuthFile('# c\nok,user,1\nshort,row\n'), {
      message:
        'token file line 3: must have at least 3 columns (token, user name, user uid), found 2',
    });
    assert.throws(
      () => parseTokenAuthFile('a,b,c\n\nt,us"er,1\n'),
      /^Error: token file line 3, column 5: bare " in non-quoted field$/,
    );
    assert.throws(
      () => parseTokenAuthFile('t,"open,1\n'),
      /token file line 2, .*extraneous or missing " in quoted-field/,
    );
    assert.throws(
      () => parseTokenAuthFile('t,"a"b,1\n', 'tokens.csv'),
      /^Error: tokens\.csv line 1, column 6: extraneous/,
    );
  });

  it('returns copies, so callers cannot change the table', () => {
    const lookup = parseTokenAuthFile('t,u,1,g\n');
    lookup('t')?.groups.push('system:masters');
    assert.deepEqual(lookup('t')?.groups, ['g']);
  });
});
