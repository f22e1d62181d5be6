// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SealshareGhost} from "./SealshareGhost.t.sol";
import {ConsentTerms, GrantKind, Policy} from "../common/Types.sol";
import {IAccess} from "../interfaces/IAccess.sol";

/// @title How the invariant handler turns random seeds into plausible inputs
/// @notice Inputs mostly fit the world (a consent about one of the subject's datasets, a request
///         that matches its consent, an approval of a request that needs it) so that random
///         sequences reach deep states; now and then one field is off, so refusals are
///         exercised too. Kept apart from the actions (SealshareHandler.t.sol) for readability.
abstract contract SealshareHandlerInputs is SealshareGhost {
    function _policyFrom(uint256 seed) internal pure returns (Policy memory) {
        return _policy(
            seed % 2 == 0,
            uint8((seed >> 8) % 4),
            uint32((seed >> 16) % 3 == 0 ? 0 : _bound(seed >> 24, 1, 2 * HOUR)),
            uint32(_bound(seed >> 64, 1, 30 * DAY))
        );
    }

    /// @dev Fresh terms, usually matching one of the subject's datasets, sometimes not at all.
    function _newTerms(uint256 subjectSeed, uint256 scopeSeed, uint256 termsSeed)
        internal
        returns (ConsentTerms memory t)
    {
        t.subject = subjectSeed % 2 == 0 ? ana : ben;
        if (datasetIds.length != 0) {
            GhostDataset storage d = datasets[datasetIds[scopeSeed % datasetIds.length]];
            if (scopeSeed % 8 != 0) t.subject = d.subject;
            if ((scopeSeed >> 8) % 2 == 0) t.datasetId = datasetIds[scopeSeed % datasetIds.length];
            t.category = d.category;
        }
        t.requester = (termsSeed % 3 == 0) ? address(0) : _member(termsSeed / 3);
        t.purpose = uint32(1 + (termsSeed >> 8) % 2);
        t.maxKind = uint8(1 + (termsSeed >> 16) % 2);
        t.expiresAt = uint40(block.timestamp + _bound(termsSeed >> 24, 1, 5 * DAY));
        t.receiptHash = keccak256(abi.encode("receipt", termsSeed));
        t.nonce = keccak256(abi.encode(termsSeed, ++nonceCounter));
        t.deadline = uint40(block.timestamp + _bound(termsSeed >> 64, 0, DAY));
    }

    /// @dev Request parameters that usually fit `t`; now and then one field does not.
    function _paramsFor(ConsentTerms memory t, address requester, uint256 seed)
        internal
        view
        returns (IAccess.RequestParams memory p)
    {
        p.datasetId = t.datasetId;
        if (p.datasetId == 0 && datasetIds.length != 0) {
            // A category consent: pick a dataset of that category about the subject if any.
            for (uint256 i = 0; i < datasetIds.length; ++i) {
                uint64 id = datasetIds[(seed + i) % datasetIds.length];
                if (datasets[id].category == t.category && datasets[id].subject == t.subject) {
                    p.datasetId = id;
                    break;
                }
            }
        }
        p.purpose = (seed >> 8) % 8 == 0 ? t.purpose + 1 : t.purpose;
        p.kind = (seed >> 16) % 4 == 0 ? uint8(1 + (seed >> 18) % 2) : t.maxKind;
        p.duration = uint32(_bound(seed >> 24, 1, 10 * DAY));
        p.deviceId = _device(requester);
        uint32 latest = datasets[p.datasetId].latestVersion;
        p.version = (seed >> 64) % 4 == 0 && latest != 0 ? uint32(1 + (seed >> 72) % latest) : 0;
    }

    uint8 internal constant PICK_OPEN = 0; // pending, or temporary and wanting formal
    uint8 internal constant PICK_NEEDS_PROVIDER = 1; // open and not approved by the provider yet
    uint8 internal constant PICK_WANTS_FORMAL = 2; // open and asking for a formal grant

    /// @dev A request that the action can make progress on, searching from a seeded start,
    ///      most recent first; if none fits, any request (so refusals are exercised too).
    function _pickRequest(uint256 seed, uint8 mode) internal view returns (bool, uint256) {
        uint256 n = requestIds.length;
        if (n == 0) return (false, 0);
        uint256 start = seed % n;
        for (uint256 i = 0; i < n; ++i) {
            uint256 id = requestIds[n - 1 - (start + i) % n];
            GhostRequest storage r = requests[id];
            bool open = !r.rejected && !r.grantRevoked && r.kind != uint8(GrantKind.Formal)
                && (r.kind == uint8(GrantKind.None) || r.wantKind == uint8(GrantKind.Formal));
            if (!open) continue;
            if (mode == PICK_NEEDS_PROVIDER && r.providerApproved) continue;
            if (mode == PICK_WANTS_FORMAL && r.wantKind != uint8(GrantKind.Formal)) continue;
            return (true, id);
        }
        return (true, requestIds[start]);
    }

    function _member(uint256 seed) internal view returns (address) {
        return [bank, insurer, lender][seed % 3];
    }

    function _supervisor(uint256 seed) internal view returns (address) {
        return [sup0, sup1, sup2][seed % 3];
    }

    function _anyone(uint256 seed) internal view returns (address) {
        return [admin, sup0, sup1, sup2, custodian, bank, insurer, lender, ana, ben, mallory][seed % 11];
    }

    function _keyOf(address subject) internal view returns (uint256) {
        return subject == ana ? ANA_PK : BEN_PK;
    }

    function _signConsent(ConsentTerms memory t) internal returns (bytes memory) {
        return _sign(_keyOf(t.subject), _consentIdOf(t));
    }

    function _consentIdOf(ConsentTerms memory t) internal view returns (bytes32) {
        return _consentDigest(t, block.chainid, address(ledger));
    }
}
