import { stopEmulatorAndWait } from "./emulator";

/** Stops the emulator the global setup started (by its pid; an endpoint given as a URL is not ours to stop). */
export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env.BULWARK_AWS_EMULATOR_PID);
  if (Number.isInteger(pid) && pid > 0) await stopEmulatorAndWait(pid);
  delete process.env.BULWARK_AWS_EMULATOR_PID;
}
