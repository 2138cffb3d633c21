// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// A minimal smart-contract wallet for tests: it signs by ERC-1271 (its owner's key) and
/// pays by internal call, which no transaction `to` the escrow shows.
contract DemoWallet is IERC1271 {
    address public immutable owner;

    constructor(address initialOwner) payable {
        owner = initialOwner;
    }

    receive() external payable {}

    function execute(address payable to, uint256 value, bytes calldata data) external {
        require(msg.sender == owner, "not the owner");
        (bool ok,) = to.call{value: value}(data);
        require(ok, "call failed");
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(hash, signature);
        return error == ECDSA.RecoverError.NoError && signer == owner
            ? IERC1271.isValidSignature.selector
            : bytes4(0xffffffff);
    }
}
