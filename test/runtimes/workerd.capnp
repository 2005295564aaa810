# workerd config for the runtime tests: the README's Worker example and the
# conformance Worker, each bundled by the test with esbuild (Workers
# conditions) next to a copy of this file, then served on 127.0.0.1 (ports
# picked by the OS and read back through --control-fd).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "example", worker = .exampleWorker),
    (name = "conformance", worker = .conformanceWorker),
    # The Workers' only way out: loopback addresses (the simulator on 127.0.0.1).
    # workerd's default "internet" service allows public addresses only, which
    # would refuse the simulator; "local" is 127.0.0.0/8 and ::1, nothing else.
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [
    (name = "example", address = "127.0.0.1:0", http = (), service = "example"),
    (name = "conformance", address = "127.0.0.1:0", http = (), service = "conformance"),
  ],
);

const exampleWorker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "example.js")],
  compatibilityDate = "2025-09-01",
  globalOutbound = "loopback",
  bindings = [
    (name = "AWS_ACCESS_KEY_ID", fromEnvironment = "CONFORMANCE_ACCESS_KEY_ID"),
    (name = "AWS_SECRET_ACCESS_KEY", fromEnvironment = "CONFORMANCE_SECRET_ACCESS_KEY"),
    (name = "MTURK_ENDPOINT", fromEnvironment = "CONFORMANCE_ENDPOINT"),
  ],
);

# No compatibility flags: in particular no nodejs_compat, so a `node:` import would fail to load.
const conformanceWorker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "conformance.js")],
  compatibilityDate = "2025-09-01",
  globalOutbound = "loopback",
);
