import assert from 'node:assert/strict';
import { it } from 'node:test';
import { inKeyspace } from '../src/index.ts';

it("qualifies a statement's names of one keyspace by another, and nothing else", () => {
  assert.equal(inKeyspace('INSERT INTO shop.orders (id, v) VALUES (?, ?)', 'shop', 'scratch'), 'INSERT INTO "scratch".orders (id, v) VALUES (?, ?)');
  assert.equal(inKeyspace('UPDATE "shop"."Orders" SET v = \'shop.orders\' WHERE id = 1', 'shop', 'scratch'), 'UPDATE "scratch"."Orders" SET v = \'shop.orders\' WHERE id = 1', 'a string literal is left as it is');
  assert.equal(inKeyspace('DELETE FROM orders WHERE id = ?', 'shop', 'scratch'), 'DELETE FROM orders WHERE id = ?', 'unqualified: resolved by USE');
  assert.equal(inKeyspace('UPDATE other.shop SET shop = 1 WHERE id = 2', 'shop', 'scratch'), 'UPDATE other.shop SET shop = 1 WHERE id = 2', 'a table or column named like the keyspace');
  assert.equal(inKeyspace('INSERT INTO Shop.t (id) VALUES (1)', 'shop', 'a"b'), 'INSERT INTO "a""b".t (id) VALUES (1)', 'unquoted names fold to lower case');
});
