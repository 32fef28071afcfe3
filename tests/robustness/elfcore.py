"""Just enough of an x86-64 ELF core to damage it on purpose (standard library only).

Shared by tests/robustness/damage.py and bench/detection_bench: program headers, the
notes (NT_FILE mappings, thread stack pointers), and a virtual address -> file offset
map through the PT_LOAD headers, so that a test can patch target memory in a copy of a
real core. Reads are plain `struct` unpacks of the file's first megabytes (headers and
notes); memory is patched with os.pwrite, never by loading the whole core.
"""

import os
import shutil
import struct
import subprocess

PT_LOAD = 1
PT_NOTE = 4
PF_W = 2
NT_PRSTATUS = 1
NT_FILE = 0x46494C45
# elf_prstatus: pr_reg starts at 112; rsp is the 20th register of user_regs_struct.
PRSTATUS_RSP = 112 + 19 * 8


class Segment(object):
    def __init__(self, ptype, flags, offset, vaddr, filesz, memsz):
        self.type, self.flags, self.offset = ptype, flags, offset
        self.vaddr, self.filesz, self.memsz = vaddr, filesz, memsz

    @property
    def end(self):
        return self.vaddr + self.memsz

    def __repr__(self):
        return "Segment(%#x-%#x off=%#x filesz=%#x flags=%d)" % (
            self.vaddr, self.end, self.offset, self.filesz, self.flags)


class Note(object):
    def __init__(self, name, ntype, desc_offset, desc):
        self.name, self.type, self.desc_offset, self.desc = name, ntype, desc_offset, desc


class FileMapping(object):
    """One NT_FILE entry; `path_offset` is where its path starts in the core file."""

    def __init__(self, start, end, page_offset, path, path_offset):
        self.start, self.end, self.page_offset = start, end, page_offset
        self.path, self.path_offset = path, path_offset


class Core(object):
    def __init__(self, path):
        self.path = path
        self.size = os.path.getsize(path)
        with open(path, "rb") as handle:
            header = handle.read(64)
            if len(header) < 64 or header[:4] != b"\x7fELF" or header[4] != 2:
                raise ValueError("%s is not a 64-bit ELF file" % path)
            self.e_phoff, = struct.unpack_from("<Q", header, 32)
            self.e_phentsize, self.e_phnum = struct.unpack_from("<HH", header, 54)
            handle.seek(self.e_phoff)
            table = handle.read(self.e_phentsize * self.e_phnum)
            self.segments = []
            for i in range(self.e_phnum):
                fields = struct.unpack_from("<IIQQQQQQ", table, i * self.e_phentsize)
                ptype, flags, offset, vaddr, _, filesz, memsz, _ = fields
                self.segments.append(Segment(ptype, flags, offset, vaddr, filesz, memsz))
            self.notes = []
            for seg in self.segments:
                if seg.type == PT_NOTE:
                    handle.seek(seg.offset)
                    self.notes += _parse_notes(handle.read(seg.filesz), seg.offset)
        self.loads = [s for s in self.segments if s.type == PT_LOAD]
        self.files = self._file_mappings()

    @property
    def phdr_end(self):
        return self.e_phoff + self.e_phentsize * self.e_phnum

    def note_segment(self):
        return next(s for s in self.segments if s.type == PT_NOTE)

    def _file_mappings(self):
        for note in self.notes:
            if note.type != NT_FILE or note.name != b"CORE":
                continue
            count, _ = struct.unpack_from("<QQ", note.desc, 0)
            names_at = 16 + 24 * count
            out = []
            for i in range(count):
                start, end, page = struct.unpack_from("<QQQ", note.desc, 16 + 24 * i)
                stop = note.desc.index(b"\0", names_at)
                path = note.desc[names_at:stop].decode("utf-8", "replace")
                out.append(FileMapping(start, end, page, path, note.desc_offset + names_at))
                names_at = stop + 1
            return out
        return []

    def stack_pointers(self):
        out = []
        for note in self.notes:
            if note.type == NT_PRSTATUS and len(note.desc) >= PRSTATUS_RSP + 8:
                out.append(struct.unpack_from("<Q", note.desc, PRSTATUS_RSP)[0])
        return out

    def file_offset(self, address, length=1):
        """File offset of `length` bytes at `address`, or None when the core lacks them."""
        for seg in self.loads:
            if seg.vaddr <= address and address + length <= seg.vaddr + seg.filesz:
                return seg.offset + (address - seg.vaddr)
        return None

    def anonymous_heap_segments(self):
        """Writable PT_LOAD segments with bytes in the file that no NT_FILE entry maps and
        that hold no thread's stack pointer: the Python heap (pymalloc arenas, malloc)."""
        stacks = self.stack_pointers()
        out = []
        for seg in self.loads:
            if not (seg.flags & PF_W) or seg.filesz == 0:
                continue
            if any(f.start < seg.end and seg.vaddr < f.end for f in self.files):
                continue
            if any(seg.vaddr <= sp < seg.end for sp in stacks):
                continue
            out.append(seg)
        return out


def _parse_notes(data, base):
    notes, at = [], 0
    while at + 12 <= len(data):
        namesz, descsz, ntype = struct.unpack_from("<III", data, at)
        name_at = at + 12
        desc_at = name_at + ((namesz + 3) & ~3)
        end = desc_at + ((descsz + 3) & ~3)
        if end > len(data):
            break
        name = data[name_at:name_at + namesz].rstrip(b"\0")
        notes.append(Note(name, ntype, base + desc_at, data[desc_at:desc_at + descsz]))
        at = end
    return notes


def sparse_copy(source, destination):
    """Copy a core keeping its holes (the kernel writes cores sparse)."""
    if shutil.which("cp"):
        subprocess.run(["cp", "--sparse=always", source, destination], check=True)
    else:
        shutil.copyfile(source, destination)


def read_at(path, offset, length):
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read(length)


def write_at(path, offset, data):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, offset)
    finally:
        os.close(fd)
