/** `node --import ./test/package/register-recorder.mjs …`: installs resolve-hook.mjs before the program's first import. */
import { register } from "node:module";

register(new URL("./resolve-hook.mjs", import.meta.url), { data: { log: process.env.RESOLUTION_LOG } });
