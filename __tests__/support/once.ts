import * as fs from "node:fs";
import * as path from "node:path";
import { alive } from "./emulator";

/** Sleeps without giving up the thread (the callers are synchronous). */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A value made once per `npm test` run by whichever test file asks first, the others waiting for it
 * (jest runs files in separate workers): `file` holds it, written aside and renamed; the lock is a
 * directory beside it, made atomically, with the holder's pid. A holder that ends without writing the
 * file (it failed, or its worker died) lets the waiters make the value themselves. `file` belongs in the
 * run's temporary directory, so that no run reuses another's.
 */
export function oncePerRun<T>(file: string, make: () => T, codec: { write: (value: T) => string; read: (text: string) => T }): T {
  const cached = (): T | undefined => (fs.existsSync(file) ? codec.read(fs.readFileSync(file, "utf8")) : undefined);
  const hit = cached();
  if (hit !== undefined) return hit;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  let mine = false;
  try {
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
    mine = true;
  } catch {
    for (let waited = 0; waited < 600_000; waited += 250) {
      const value = cached();
      if (value !== undefined) return value;
      const holder = Number(fs.existsSync(path.join(lock, "pid")) ? fs.readFileSync(path.join(lock, "pid"), "utf8") : NaN);
      if (!fs.existsSync(lock) || (holder > 0 && !alive(holder))) break;
      sleepMs(250);
    }
  }
  try {
    const value = make();
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, codec.write(value));
    fs.renameSync(tmp, file);
    return value;
  } finally {
    if (mine) fs.rmSync(lock, { recursive: true, force: true });
  }
}
