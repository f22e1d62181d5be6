// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @title Benchmark baseline: a plain OpenZeppelin ERC-721 with a public mint
/// @notice Not part of Sealshare. `npm run bench` compares Sealshare's gas per operation with a
///         token mint, the cost most Ethereum users know. Anyone can mint; never deploy it.
contract BenchERC721 is ERC721 {
    uint256 private _lastId;

    constructor() ERC721("Sealshare Bench", "SSBENCH") {}

    /// @notice Mints the next token id to `to` (no receiver check: `_mint`, not `_safeMint`).
    /// @param to The new token's owner.
    /// @return tokenId The id minted.
    function mint(address to) external returns (uint256 tokenId) {
        tokenId = ++_lastId;
        _mint(to, tokenId);
    }
}
