// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GrantView} from "../common/Types.sol";

/// @title Threshold custody of data keys, beside the ledger
/// @notice Instead of one custodian holding a version's data key, the provider splits it into n
///         Shamir shares (any t rebuild it, fewer reveal nothing), wraps share i to custodian i's
///         published encryption key, hands them out off chain and commits here to all n of them
///         with one Merkle root. A custodian serves its share only while {shareGrant} says
///         `valid`. Shares can be ordered destroyed ("shredded"): by the provider at once, or by a
///         quorum of supervisors; each custodian confirms on chain that it destroyed its share.
/// @dev A separate contract because the ledger is at the EIP-170 size limit. It holds no role
///      of its own: it reads the ledger (immutable address) for roles (DEFAULT_ADMIN_ROLE,
///      SUPERVISOR_ROLE, CUSTODIAN_ROLE), datasets, custodians' encryption keys, grants and the
///      pause switch. Ledger errors (e.g. `DatasetsUnknown`) reach the caller unchanged.
///
///      Shares root: an OpenZeppelin StandardMerkleTree (leaf = keccak256(keccak256(abi.encode(
///      fields)))) over one leaf per custodian,
///        ["uint256","address","uint64","uint32","uint32","uint8","bytes32"] =
///        [chainId, this contract, datasetId, version, setId, index, keccak256(share bytes)],
///      index = the custodian's 0-based position in the set. The leaf binds a share to its
///      chain, contract, dataset, version, set and position, so a share copied from anywhere
///      else fails verification (sdk/threshold/commitment.ts builds and checks it).
interface ICustody {
    /// @notice Why {shareGrant} says no. Stable codes: the custodian maps them to HTTP answers.
    enum ShareInvalidReason {
        None, // 0: valid: the custodian may serve its share
        GrantInvalid, // 1: the ledger's isGrantValid says no (its own reason is in `grant.reason`)
        NotDeposited, // 2: no shares were deposited for the grant's dataset version
        Shredded, // 3: the serving set's shares of the version were ordered destroyed
        NotInSet // 4: the asking custodian is not in the set serving the version
    }

    // The views' return values: never stored, so slot packing does not apply.
    // solhint-disable gas-struct-packing
    /// @notice A custodian set (`custodianSet`).
    struct CustodianSetView {
        address[] custodians; // in share order: custodians[i] holds share index i
        uint40[] keyIds; // the ledger key id each custodian's share is wrapped to, same order
        uint8 threshold; // shares needed to rebuild a key (1 ≤ threshold ≤ custodians.length)
        bool active; // false once retired: no new deposits (deposited shares still serve)
    }

    /// @notice Where a dataset version's shares are (`custodyOf`). All zero before a deposit.
    struct CustodyView {
        uint32 setId; // the set serving the version; 0 = never deposited
        bytes32 sharesRoot; // the StandardMerkleTree root over the set's shares (see above)
        uint40 depositedAt; // unix seconds of the (latest) deposit
        bool shredded; // the serving set's shares were ordered destroyed: nothing serves any more
    }

    /// @notice A shred order of one set's shares of one version (`shredOf`).
    struct ShredView {
        uint40 orderedAt; // unix seconds; 0 = not ordered
        uint16 confirmed; // bit i set: custodian index i confirmed it destroyed its share
        uint16 pending; // bit i set: custodian index i has not confirmed yet (0 when not ordered)
    }

    /// @notice What a custodian trusts before serving its share of a grant (`shareGrant`).
    struct ShareGrantView {
        bool valid; // serve only when true: ledger-valid, deposited, not shredded, custodian in the set
        ShareInvalidReason reason; // why not, when `valid` is false
        GrantView grant; // the ledger's isGrantValid answer (requester's key, key commitment, ...)
        uint32 setId; // the set serving the grant's version; 0 = none deposited
        uint8 index; // the custodian's share index in that set; NOT_IN_SET (255) when it is not in it
        uint8 threshold; // shares needed to rebuild the key
        uint8 n; // shares in the set
        bytes32 sharesRoot; // the root the custodian's share must verify against
        bool shredded; // the serving set's shares were ordered destroyed
    }
    // solhint-enable gas-struct-packing

    /// @notice `account` lacks the ledger role `neededRole` (same facts as OpenZeppelin's
    ///         AccessControlUnauthorizedAccount; the SDK names the role).
    error CustodyUnauthorizedAccount(address account, bytes32 neededRole);
    /// @notice The ledger is paused: no deposits, shred orders or votes.
    error CustodyLedgerPaused();
    /// @notice A set must have 1 to `max` (MAX_CUSTODIANS) custodians; it had `n`.
    error CustodyInvalidSetSize(uint256 n, uint256 max);
    /// @notice The threshold must be 1 ≤ t ≤ n.
    error CustodyInvalidThreshold(uint8 threshold, uint256 n);
    /// @notice `custodian` appears twice in the set.
    error CustodyDuplicateCustodian(address custodian);
    /// @notice `account` does not hold the ledger's CUSTODIAN_ROLE.
    error CustodyNotCustodian(address account);
    /// @notice `custodian` has no live encryption key on the ledger under CUSTODIAN_DEVICE_ID.
    error CustodyNoCustodianKey(address custodian);
    /// @notice `custodian`'s live key is no longer the one the set recorded (`keyId`): rotated or
    ///         revoked since the set was registered, so a share wrapped to `keyId` would be lost
    ///         or exposed. Retire the set and register a new one.
    error CustodyCustodianKeyChanged(uint32 setId, address custodian, uint40 keyId, uint40 currentKeyId);
    /// @notice No set has id `setId`.
    error CustodyUnknownSet(uint32 setId);
    /// @notice Set `setId` was retired: it takes no new deposits.
    error CustodySetRetired(uint32 setId);
    /// @notice `category` is not a known Category (0..6).
    error CustodyInvalidCategory(uint8 category);
    /// @notice A category minimum threshold above MAX_CUSTODIANS (`max`) could never be met.
    error CustodyMinThresholdTooHigh(uint8 threshold, uint8 max);
    /// @notice The shred quorum must be 1 to `max` (the ledger's MAX_SUPERVISORS).
    error CustodyInvalidShredQuorum(uint8 quorum, uint8 max);
    /// @notice `caller` is not the dataset's current provider.
    error CustodyNotProvider(uint64 datasetId, address caller);
    /// @notice `version` is not a published version of `datasetId`.
    error CustodyUnknownVersion(uint64 datasetId, uint32 version);
    /// @notice The shares root must be non-zero.
    error CustodyInvalidSharesRoot();
    /// @notice Set `setId`'s threshold is below the minimum its dataset's `category` requires.
    error CustodyThresholdBelowMinimum(uint32 setId, uint8 threshold, uint8 category, uint8 minimum);
    /// @notice Set `setId` already held shares of this version (it serves them now, or they were
    ///         ordered shredded when another set replaced it): a set holds a version's shares once.
    error CustodySetAlreadyUsed(uint64 datasetId, uint32 version, uint32 setId);
    /// @notice The version's shares were ordered shredded: nothing more can be deposited, ordered
    ///         or voted for it.
    error CustodyVersionShredded(uint64 datasetId, uint32 version);
    /// @notice No shares were deposited for the version.
    error CustodyNotDeposited(uint64 datasetId, uint32 version);
    /// @notice `supervisor` already voted to shred this version.
    error CustodyAlreadyVoted(uint64 datasetId, uint32 version, address supervisor);
    /// @notice `account` is not a custodian of set `setId`.
    error CustodyNotInSet(uint32 setId, address account);
    /// @notice No shred of set `setId`'s shares of this version was ordered.
    error CustodyShredNotOrdered(uint64 datasetId, uint32 version, uint32 setId);
    /// @notice `custodian` already confirmed this shred.
    error CustodyAlreadyConfirmed(uint64 datasetId, uint32 version, uint32 setId, address custodian);

    /// @notice The admin registered custodian set `setId`.
    /// @param setId The new set's id (1, 2, ...).
    /// @param custodians The custodians in share order.
    /// @param keyIds The ledger key id each custodian's share is to be wrapped to, same order.
    /// @param threshold Shares needed to rebuild a key.
    event CustodianSetRegistered(uint32 indexed setId, address[] custodians, uint40[] keyIds, uint8 threshold);
    /// @notice The admin retired set `setId`: no new deposits; shares already there still serve.
    /// @param setId The set.
    /// @param admin The admin that retired it.
    event CustodianSetRetired(uint32 indexed setId, address indexed admin);
    /// @notice A supervisor changed the minimum threshold of `category`.
    /// @param category The Category.
    /// @param oldThreshold The minimum before (0 = none).
    /// @param newThreshold The minimum from now on (0 = none).
    /// @param supervisor The supervisor that set it.
    event CustodyCategoryMinThresholdChanged(
        uint8 indexed category, uint8 oldThreshold, uint8 newThreshold, address indexed supervisor
    );
    /// @notice The admin changed how many supervisors' votes order a shred.
    /// @param oldQuorum The quorum before.
    /// @param newQuorum The quorum from now on.
    event CustodyShredQuorumChanged(uint8 oldQuorum, uint8 newQuorum);
    /// @notice The provider committed to the shares of (`datasetId`, `version`) held by set `setId`.
    /// @param datasetId The dataset.
    /// @param version The version.
    /// @param setId The set that serves the version from now on.
    /// @param sharesRoot The StandardMerkleTree root over the shares (see the contract header).
    /// @param replacedSetId The set that served before (its shares are ordered shredded: a
    ///        {ShredOrdered} precedes this event), 0 on a first deposit.
    event SharesDeposited(
        uint64 indexed datasetId, uint32 indexed version, uint32 indexed setId, bytes32 sharesRoot, uint32 replacedSetId
    );
    /// @notice Supervisor `supervisor` voted to shred (`datasetId`, `version`).
    /// @param datasetId The dataset.
    /// @param version The version.
    /// @param supervisor The voter.
    /// @param votes The votes that count after this one (voters still holding SUPERVISOR_ROLE).
    event ShredVoted(uint64 indexed datasetId, uint32 indexed version, address indexed supervisor, uint8 votes);
    /// @notice Set `setId`'s custodians must destroy their shares of (`datasetId`, `version`).
    /// @param datasetId The dataset.
    /// @param version The version.
    /// @param setId The set whose shares are to be destroyed.
    /// @param orderedBy The provider, or the supervisor whose vote reached the quorum.
    /// @param orderedAt Unix seconds.
    event ShredOrdered(
        uint64 indexed datasetId, uint32 indexed version, uint32 indexed setId, address orderedBy, uint40 orderedAt
    );
    /// @notice `custodian` (share `index` of set `setId`) confirmed it destroyed its share.
    /// @param datasetId The dataset.
    /// @param version The version.
    /// @param setId The set.
    /// @param custodian The custodian.
    /// @param index Its share index in the set.
    event ShredConfirmed(
        uint64 indexed datasetId, uint32 indexed version, uint32 indexed setId, address custodian, uint8 index
    );

    /// @notice Registers a custodian set. Requires the ledger's DEFAULT_ADMIN_ROLE.
    /// @dev 1 ≤ threshold ≤ n ≤ MAX_CUSTODIANS ({CustodyInvalidSetSize}, {CustodyInvalidThreshold}),
    ///      distinct addresses ({CustodyDuplicateCustodian}), each holding the ledger's
    ///      CUSTODIAN_ROLE ({CustodyNotCustodian}) with a live key under CUSTODIAN_DEVICE_ID
    ///      ({CustodyNoCustodianKey}); that key id is recorded (the ledger checked its proof of
    ///      possession when it was published). 1-of-1 is a set like any other.
    ///      Emits {CustodianSetRegistered}.
    /// @param custodians The custodians, in share order.
    /// @param threshold Shares needed to rebuild a key.
    /// @return setId The new set's id.
    function registerSet(address[] calldata custodians, uint8 threshold) external returns (uint32 setId);

    /// @notice Retires a set: no new deposits. Shares already deposited keep serving (move them
    ///         with a deposit to another set). Requires the ledger's DEFAULT_ADMIN_ROLE.
    ///         Emits {CustodianSetRetired}.
    /// @param setId An active set.
    function retireSet(uint32 setId) external;

    /// @notice Sets the lowest threshold a deposit for a dataset of `category` may use (0 = none).
    ///         Requires the ledger's SUPERVISOR_ROLE. Applies to later deposits only.
    ///         Emits {CustodyCategoryMinThresholdChanged}.
    /// @param category A Category (0..6).
    /// @param threshold The minimum, 0..MAX_CUSTODIANS.
    function setCategoryMinThreshold(uint8 category, uint8 threshold) external;

    /// @notice Sets how many supervisors' votes order a shred (default 2). Requires the ledger's
    ///         DEFAULT_ADMIN_ROLE. Emits {CustodyShredQuorumChanged}.
    /// @param quorum 1..MAX_SUPERVISORS (32).
    function setShredQuorum(uint8 quorum) external;

    /// @notice Commits to the shares of a dataset version held by set `setId`. Only the dataset's
    ///         current provider; refused while the ledger is paused.
    /// @dev Requires: the version is published ({CustodyUnknownVersion}); not shredded
    ///      ({CustodyVersionShredded}); the set exists ({CustodyUnknownSet}), is active
    ///      ({CustodySetRetired}), meets the category minimum ({CustodyThresholdBelowMinimum}),
    ///      its custodians' keys are the ones it recorded ({CustodyCustodianKeyChanged}) and it
    ///      never held this version's shares ({CustodySetAlreadyUsed}); sharesRoot ≠ 0
    ///      ({CustodyInvalidSharesRoot}). A deposit for a version another set serves is a change
    ///      of set: the old set's shares are ordered shredded ({ShredOrdered}) and the new set
    ///      serves. Emits {SharesDeposited}.
    ///      Trust warning: the contract cannot see the shares; the root is the provider's word.
    ///      A custodian checks its share against it before accepting, and the requester checks
    ///      every share against it before combining.
    /// @param datasetId The dataset.
    /// @param version A published version.
    /// @param setId The set holding the shares.
    /// @param sharesRoot The StandardMerkleTree root over the shares (see the contract header).
    function depositShares(uint64 datasetId, uint32 version, uint32 setId, bytes32 sharesRoot) external;

    /// @notice The dataset's current provider orders the serving set's shares of `version`
    ///         destroyed, at once. Irreversible: nothing serves the version any more, and nothing
    ///         can be deposited for it again. Refused while the ledger is paused.
    ///         Emits {ShredOrdered}.
    /// @param datasetId The dataset.
    /// @param version A version with deposited shares, not shredded.
    function orderShred(uint64 datasetId, uint32 version) external;

    /// @notice A supervisor votes to shred `version`'s shares; each supervisor once. When the votes
    ///         of accounts that still hold SUPERVISOR_ROLE reach `shredQuorum`, the shred is
    ///         ordered as by {orderShred}. Refused while the ledger is paused.
    ///         Emits {ShredVoted}, and {ShredOrdered} on the vote that reaches the quorum.
    /// @param datasetId The dataset.
    /// @param version A version with deposited shares, not shredded.
    function voteShred(uint64 datasetId, uint32 version) external;

    /// @notice A custodian of set `setId` confirms it destroyed its share of `version`, once.
    ///         Works while paused (a fact about what happened). Emits {ShredConfirmed}.
    /// @param datasetId The dataset.
    /// @param version The version.
    /// @param setId A set whose shares of the version were ordered shredded.
    function confirmShred(uint64 datasetId, uint32 version, uint32 setId) external;

    /// @notice The one view a custodian trusts before serving its share for request `requestId`.
    /// @param requestId Any request id (unknown ids answer the ledger's "not granted").
    /// @param custodian The custodian asking (its index in the serving set is returned).
    function shareGrant(uint256 requestId, address custodian) external view returns (ShareGrantView memory);

    /// @notice Where a dataset version's shares are. All zero before a deposit.
    /// @param datasetId The dataset.
    /// @param version The version.
    function custodyOf(uint64 datasetId, uint32 version) external view returns (CustodyView memory);

    /// @notice A custodian set: custodians, key ids, threshold, active flag.
    /// @param setId An existing set ({CustodyUnknownSet} otherwise).
    function custodianSet(uint32 setId) external view returns (CustodianSetView memory);

    /// @notice The shred order of set `setId`'s shares of a version, and who has (not) confirmed.
    /// @param datasetId The dataset.
    /// @param version The version.
    /// @param setId The set.
    function shredOf(uint64 datasetId, uint32 version, uint32 setId) external view returns (ShredView memory);

    /// @notice The custodians of set `setId` that have not confirmed the ordered shred of
    ///         `version` yet (empty when none was ordered).
    /// @param datasetId The dataset.
    /// @param version The version.
    /// @param setId The set.
    function unconfirmedShred(uint64 datasetId, uint32 version, uint32 setId) external view returns (address[] memory);

    /// @notice The supervisors' votes to shred a version that count now (voters still holding
    ///         SUPERVISOR_ROLE).
    /// @param datasetId The dataset.
    /// @param version The version.
    function shredVotes(uint64 datasetId, uint32 version) external view returns (uint8);

    /// @notice The lowest threshold a deposit for a dataset of `category` may use (0 = none).
    /// @param category A Category.
    function categoryMinThreshold(uint8 category) external view returns (uint8);

    /// @notice How many supervisors' votes order a shred.
    function shredQuorum() external view returns (uint8);

    /// @notice The id of the last registered set (0 = none).
    function lastSetId() external view returns (uint32);

    /// @notice The ledger this contract trusts for roles, datasets, keys and grants.
    function ledger() external view returns (address);

    // The contract's public constants, declared here so a client bound to this interface reads them.
    // solhint-disable func-name-mixedcase
    /// @notice The ledger device id a custodian publishes its share-wrapping key under:
    ///         keccak256("sealshare-custodian").
    function CUSTODIAN_DEVICE_ID() external view returns (bytes32);
    /// @notice The most custodians a set may have (16: a shred's confirmations fit a uint16 bitmap).
    function MAX_CUSTODIANS() external view returns (uint8);
    /// @notice The `index` {shareGrant} answers for a custodian that is not in the serving set (255).
    function NOT_IN_SET() external view returns (uint8);
    // solhint-enable func-name-mixedcase
}
