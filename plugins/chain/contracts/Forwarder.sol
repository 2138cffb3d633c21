// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// A stand-in for a contract wallet: it pays the escrow by an internal call, which
/// no transaction `to` the escrow shows; only the escrow's balance change does.
contract Forwarder {
    function forward(address payable to) external payable {
        (bool ok,) = to.call{value: msg.value}("");
        require(ok, "forward failed");
    }
}
