// The local chain helper lives with the scripts (the demo and `sealshare dev` use it too).
export * from "../../scripts/lib/local-chain.js";
