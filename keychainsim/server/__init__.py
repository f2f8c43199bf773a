"""The engine server: keychainsim's one engine, reached over a documented, versioned protocol.

The Swift library (``swift/``) starts ``keychainsim serve --stdio`` once per simulated device and sends
every Sec* call here, so Swift code and Python code meet the same rules (architecture principle 7). The
layer sits above the facade, like the command line: it uses the public :class:`~keychainsim.Keychain`, the
module-level functions of :mod:`keychainsim.crypto`, and the probes and explanations.

- :mod:`~.wire`: typed values (data, string, int, float, bool, date, null, array, dict, refs as handles);
- :mod:`~.session`: one device, its apps, its trace, the client's handles, and the ops;
- :mod:`~.stdio`: the JSON-lines loop over stdin and stdout.

docs/protocol.md is the contract.
"""
