import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys the Sealshare ledger with its roles wired in the constructor, so the deployer keeps
 * no role it was not given. Parameters:
 *  - `admin`: DEFAULT_ADMIN_ROLE (a multisig in production); defaults to the deployer;
 *  - `supervisors`: initial SUPERVISOR_ROLE holders;
 *  - `custodian`: CUSTODIAN_ROLE, the key custodian's signing account.
 * Example parameters file: ignition/parameters/local.json.
 *
 * One contract, no libraries to link: the ledger's constructor deploys its own
 * KeyPossessionVerifier (contracts/helpers/, the proof-of-possession check kept out of the
 * ledger's runtime code for EIP-170), so the module stays a single `m.contract`.
 */
export default buildModule("SealshareModule", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const supervisors = m.getParameter<string[]>("supervisors", []);
  const custodian = m.getParameter("custodian", m.getAccount(0));
  const ledger = m.contract("Sealshare", [admin, supervisors, custodian]);
  return { ledger };
});
