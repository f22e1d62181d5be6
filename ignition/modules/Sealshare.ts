import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys the Sealshare ledger with its roles wired in the constructor, so the deployer keeps
 * no role it was not given. Parameters:
 *  - `admin`: DEFAULT_ADMIN_ROLE (a multisig in production); defaults to the deployer;
 *  - `supervisors`: initial SUPERVISOR_ROLE holders;
 *  - `custodian`: CUSTODIAN_ROLE, the key custodian's signing account.
 * Example parameters file: ignition/parameters/local.json.
 *
 * No libraries to link: the ledger's constructor deploys its own KeyPossessionVerifier
 * (contracts/helpers/, the proof-of-possession check kept out of the ledger's runtime code for
 * EIP-170). Threshold custody (SealshareCustody) is deployed beside it with the ledger's address,
 * which it trusts for roles, datasets, keys and grants; it is given no role.
 */
export default buildModule("SealshareModule", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const supervisors = m.getParameter<string[]>("supervisors", []);
  const custodian = m.getParameter("custodian", m.getAccount(0));
  const ledger = m.contract("Sealshare", [admin, supervisors, custodian]);
  const custody = m.contract("SealshareCustody", [ledger]);
  return { ledger, custody };
});
