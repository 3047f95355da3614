import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from './errors.js';
import { matchesLabels, parseFieldSelector, parseLabelSelector } from './labels.js';

const refuses = (selector: string, message: string): void => {
  assert.throws(
    () => parseLabelSelector(selector),
    (e: unknown) => {
      assert.ok(e instanceof ApiError && e.code === 400, String(e));
      assert.equal(e.message, message);
      return true;
    },
    selector,
  );
};

void describe('parseLabelSelector', () => {
  void it('parses every operator', () => {
    assert.deepEqual(parseLabelSelector(''), []);
    assert.deepEqual(parseLabelSelector('  '), []);
    assert.deepEqual(parseLabelSelector('a, !b ,c=d,e==f,g!=h'), [
      { key: 'a', op: 'exists' },
      { key: 'b', op: '!' },
      { key: 'c', op: '=', value: 'd' },
      { key: 'e', op: '=', value: 'f' },
      { key: 'g', op: '!=', value: 'h' },
    ]);
    assert.deepEqual(parseLabelSelector('x in (b,a,,b),y notin ()'), [
      { key: 'x', op: 'in', values: ['', 'a', 'b'] },
      { key: 'y', op: 'notin', values: [''] },
    ]);
    assert.deepEqual(parseLabelSelector('a>1,b<2,c='), [
      { key: 'a', op: 'gt', value: 1 },
      { key: 'b', op: 'lt', value: 2 },
      { key: 'c', op: '=', value: '' },
    ]);
    // `in` is a value where a value is expected.
    assert.deepEqual(parseLabelSelector('a in (in,notin)'), [
      { key: 'a', op: 'in', values: ['in', 'notin'] },
    ]);
    assert.deepEqual(parseLabelSelector('example.com/a=b'), [
      { key: 'example.com/a', op: '=', value: 'b' },
    ]);
  });

  void it('refuses bad syntax with apimachinery words', () => {
    refuses('a=b=c', "found '=', expected: ',' or 'end of string'");
    refuses('!', "unable to parse requirement: found '', expected: identifier");
    refuses('a,', "found '', expected: identifier after ','");
    refuses('=b', "found '=', expected: !, identifier, or 'end of string'");
    refuses(
      'a b',
      "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
    );
    refuses('a in b', "unable to parse requirement: found 'b' expected: '('");
    refuses('a in (b', "unable to parse requirement: found '', expected: ',' or ')'");
    refuses('a in (=', "unable to parse requirement: found '=', expected: ',', ')' or identifier");
    refuses('a=(', "unable to parse requirement: found '(', expected: identifier");
    refuses('!a=b', "found '=', expected: ',' or 'end of string'");
  });

  void it('validates keys and values', () => {
    refuses(
      `${'k'.repeat(64)}`,
      `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`,
    );
    refuses(
      'a/b/c=d',
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
    refuses(
      `k=${'v'.repeat(64)}`,
      `unable to parse requirement: values[0][k]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
    );
    refuses(
      'k>x',
      `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
    );
    refuses(
      'k in (-a,-b)',
      `unable to parse requirement: [values[0][k]: Invalid value: "-a": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?'), values[1][k]: Invalid value: "-b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]`,
    );
  });

  void it('matches what it parses', () => {
    const sel = parseLabelSelector('app in (web,db),!legacy,tier!=cache,n>2');
    assert.equal(matchesLabels(sel, { app: 'web', tier: 'front', n: '3' }), true);
    assert.equal(matchesLabels(sel, { app: 'web', legacy: '', n: '3' }), false);
    assert.equal(matchesLabels(sel, { app: 'web', n: '2' }), false);
  });
});

void describe('parseFieldSelector', () => {
  void it('splits at unescaped commas and the first operator', () => {
    assert.deepEqual(
      parseFieldSelector('metadata.name=a\\,b\\=c,spec.nodeName!=,status.phase==Running'),
      [
        { field: 'metadata.name', op: '=', value: 'a,b=c' },
        { field: 'spec.nodeName', op: '!=', value: '' },
        { field: 'status.phase', op: '=', value: 'Running' },
      ],
    );
    assert.deepEqual(parseFieldSelector(',,'), []);
  });

  void it('refuses what fields.ParseSelector refuses', () => {
    const refusesField = (s: string, message: string): void =>
      assert.throws(
        () => parseFieldSelector(s),
        (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === message,
        s,
      );
    refusesField('a', "invalid selector: 'a'; can't understand 'a'");
    refusesField('x=1,b', "invalid selector: 'x=1,b'; can't understand 'b'");
    refusesField('a=b=c', 'invalid field selector: unescaped character in value: 61');
    refusesField('a=b\\x', 'invalid field selector: invalid escape sequence: \\x');
    refusesField('a=b\\', 'invalid field selector: invalid escape sequence: \\');
  });
});
