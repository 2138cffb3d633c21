// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// The demo lot: a plain OpenZeppelin ERC-721 whose owner mints tokens into custody.
contract DemoNft is ERC721, Ownable {
    constructor(address initialOwner) ERC721("SothebAIs Demo", "SAID") Ownable(initialOwner) {}

    function mint(address to, uint256 tokenId) external onlyOwner {
        _safeMint(to, tokenId);
    }
}
