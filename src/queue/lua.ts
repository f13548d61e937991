// The one loader of the Lua scripts the service runs in Redis: each lives in ./lua/<name>.lua
// (read once, at start-up, so a missing file fails early). A script is defined on a connection
// the first time it runs there (ioredis defineCommand: EVALSHA, falling back to EVAL).
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** Every script, with what it returns. */
interface Scripts {
  'claim-keys': number[];
  'commit-keys': number;
  'delete-if-equal': number;
  'token-bucket': number;
  'sliding-window': number;
  'rate-windows': number;
}
export type LuaScript = keyof Scripts;

const NAMES: readonly LuaScript[] = ['claim-keys', 'commit-keys', 'delete-if-equal', 'token-bucket', 'sliding-window', 'rate-windows'];
const SOURCES = new Map(NAMES.map((name) => [name, readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8')]));

/** claim-keys → qianpiClaimKeys: the connection's method for the script. */
const commandOf = (name: LuaScript) => `qianpi${name.replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase())}`;

type Command = (...args: Array<string | number>) => Promise<unknown>;

/** Runs a script with these keys and arguments. */
export async function runLua<N extends LuaScript>(redis: Redis, name: N, keys: readonly string[], args: ReadonlyArray<string | number> = []): Promise<Scripts[N]> {
  const command = commandOf(name);
  if (!(command in redis)) redis.defineCommand(command, { lua: SOURCES.get(name)! });
  const run = (redis as unknown as Record<string, Command>)[command]!;
  return (await run.call(redis, keys.length, ...keys, ...args)) as Scripts[N];
}
