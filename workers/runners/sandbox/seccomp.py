"""A seccomp filter for repository code: no new user namespaces, and none of the rarely needed kernel
interfaces that most container escapes have gone through.

Without a user namespace of our own, bubblewrap cannot forbid nested ones (--disable-userns needs one), yet
inside a nested user namespace the code would hold every capability over namespaces it makes, and most
kernel privilege escalations start there. Docker's default profile blocks the same calls for the same
reason. The program is classic BPF, built here so that no libseccomp binding is needed.
"""

from __future__ import annotations

import errno
import platform
import struct
from dataclasses import dataclass

CLONE_NEWUSER = 0x10000000
X32_SYSCALL_BIT = 0x40000000

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6] (little-endian here).
_NR, _ARCH, _ARG0_LOW = 0, 4, 16
_LD_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000


@dataclass(frozen=True)
class Arch:
    audit_arch: int
    clone: int
    unshare: int
    clone3: int
    # keyrings are not namespaced; bpf, perf events, userfaultfd and io_uring are the usual escape routes.
    denied: tuple[int, ...]


ARCHES = {
    "x86_64": Arch(
        audit_arch=0xC000003E,
        clone=56,
        unshare=272,
        clone3=435,
        denied=(
            248,
            249,
            250,
            321,
            298,
            323,
            425,
            426,
            427,
        ),  # add_key request_key keyctl bpf perf uffd io_uring
    ),
    "aarch64": Arch(
        audit_arch=0xC00000B7,
        clone=220,
        unshare=97,
        clone3=435,
        denied=(217, 218, 219, 280, 241, 282, 425, 426, 427),
    ),
}


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


def filter_program(arch: Arch) -> bytes:
    """The BPF program bubblewrap's --seccomp reads: an array of struct sock_filter."""
    eperm, enosys = _ERRNO | errno.EPERM, _ERRNO | errno.ENOSYS
    denied = list(arch.denied)
    # Layout: arch check, syscall number, then one JEQ per special call jumping to a shared tail:
    #   [clone/unshare -> CHECK_FLAGS] [clone3 -> ENOSYS] [denied... -> EPERM] ALLOW, EPERM, ENOSYS,
    #   CHECK_FLAGS: load flags, JSET NEWUSER -> EPERM, ALLOW
    n_checks = 3 + len(denied)
    body: list[tuple[int, int, str]] = [(_JEQ, arch.clone, "flags"), (_JEQ, arch.unshare, "flags")]
    body.append((_JEQ, arch.clone3, "enosys"))
    body += [(_JEQ, nr, "eperm") for nr in denied]
    # Positions, relative to the first body instruction, of the tail after ALLOW (at n_checks).
    target = {"eperm": n_checks + 1, "enosys": n_checks + 2, "flags": n_checks + 3}
    program = [
        _insn(_LD_ABS, _ARCH),
        # A foreign ABI (i386 via int 0x80 on x86_64) has other syscall numbers: refuse it outright.
        _insn(_JEQ, arch.audit_arch, jt=1, jf=0),
        _insn(_RET, eperm),
        _insn(_LD_ABS, _NR),
        # x32 syscalls are the x86_64 numbers with a high bit set; they would slip past the JEQs.
        _insn(_JGE, X32_SYSCALL_BIT, jt=0, jf=1),
        _insn(_RET, eperm),
    ]
    for i, (code, k, where) in enumerate(body):
        program.append(_insn(code, k, jt=target[where] - i - 1, jf=0))
    program += [
        _insn(_RET, _ALLOW),
        _insn(_RET, eperm),
        _insn(_RET, enosys),  # clone3: glibc then falls back to clone, whose flags can be checked
        _insn(_LD_ABS, _ARG0_LOW),
        _insn(_JSET, CLONE_NEWUSER, jt=0, jf=1),
        _insn(_RET, eperm),
        _insn(_RET, _ALLOW),
    ]
    return b"".join(program)


def host_filter() -> bytes | None:
    """The filter for this machine's architecture, or None where none is defined."""
    arch = ARCHES.get(platform.machine())
    return filter_program(arch) if arch else None
