import assert from 'node:assert/strict';
import { test } from 'node:test';
import { repairJson } from './json-repair.js';
import { parseCallJson } from './template.js';

test('repairJson closes cut brackets and strings, drops surplus closers, leaves other errors alone', () => {
  assert.equal(
    repairJson('{"name":"read","arguments":{"path":"a.js"'),
    '{"name":"read","arguments":{"path":"a.js"}}',
  );
  assert.equal(
    repairJson('{"name":"read","arguments":{"path":"a.js"}}}}}'),
    '{"name":"read","arguments":{"path":"a.js"}}',
  );
  assert.equal(repairJson('{"a":"x y'), '{"a":"x y"}');
  assert.equal(repairJson('{"a":[1,2'), '{"a":[1,2]}');
  assert.equal(repairJson('{"a":"}"}'), null, 'already valid: nothing to repair');
  assert.equal(repairJson('{"a":1 "b":2}'), null, 'a missing comma is not a bracket slip');
  assert.equal(repairJson('{"a":"\\"}'), '{"a":"\\"}"}');
});

test('parseCallJson reads a call whose closing braces the model left out', () => {
  assert.deepEqual(parseCallJson('{"name":"read","arguments":{"path":"package.json"'), [
    { name: 'read', arguments: '{"path":"package.json"}' },
  ]);
  assert.deepEqual(parseCallJson('{"name":"bash","arguments":{"command":"npm test"}}}}}'), [
    { name: 'bash', arguments: '{"command":"npm test"}' },
  ]);
});
