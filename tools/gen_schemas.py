#!/usr/bin/env python3
"""Dev-time generator of src/conf/schema/generated.rs.

Reads the RelaxNG schemas installed by libvirt (/usr/share/libvirt/schemas)
once and compiles each document's grammar the way libxml2 2.9 prepares a
RelaxNG schema before validating (include merging, define combination,
simplification, choice triage, interleave partitions, and the deterministic
automata of the element contents it can compile), then writes the result as
compact line-oriented tables in our own format (see src/conf/schema/grammar.rs
for the reader).  Run it again only when the schemas change:

    python3 tools/gen_schemas.py [SCHEMA_DIR]
"""

import os
import sys
import xml.etree.ElementTree as ET

RNG = "http://relaxng.org/ns/structure/1.0"
XSD_LIB = "http://www.w3.org/2001/XMLSchema-datatypes"
DOCUMENTS = ["nodedev", "storagepool", "storagevol", "network", "domain", "interface", "domainsnapshot",
             "domaincheckpoint"]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "conf", "schema", "generated.rs")

sys.setrecursionlimit(100000)


# ---------------------------------------------------------------- the tree

class Node:
    """A mutable copy of a schema element (children list, parent link)."""

    def __init__(self, tag, attrs, text, parent):
        self.tag = tag
        self.attrs = dict(attrs)
        self.text = text
        self.parent = parent
        self.children = []

    def get(self, k):
        return self.attrs.get(k)


def load(path, parent=None):
    root = ET.parse(path).getroot()

    def conv(e, p):
        ns, _, local = e.tag[1:].partition("}") if e.tag.startswith("{") else ("", "", e.tag)
        n = Node(local if ns == RNG else "#foreign", e.attrib, (e.text or ""), p)
        for c in e:
            if not isinstance(c.tag, str):
                continue
            n.children.append(conv(c, n))
        return n
    n = conv(root, parent)
    n.base = path
    return n


def inherited(node, attr):
    while node is not None:
        v = node.get(attr)
        if v is not None:
            return v
        node = node.parent
    return None


def doc_base(node):
    while node is not None:
        if hasattr(node, "base"):
            return node.base
        node = node.parent
    return None


def cleanup(node, stack):
    """Applies the schema simplifications libxml2 performs on the tree."""
    i = 0
    while i < len(node.children):
        cur = node.children[i]
        if cur.tag == "#foreign":
            del node.children[i]
            continue
        if cur.tag == "include" or cur.tag == "externalRef":
            href = os.path.join(os.path.dirname(doc_base(cur)), cur.get("href"))
            if href in stack:
                raise SystemExit("include recursion " + href)
            inc = load(href, None)
            ns = cur.get("ns") or inherited(cur.parent, "ns")
            if ns is not None and inc.get("ns") is None:
                inc.attrs["ns"] = ns
            cleanup(inc, stack + [href])
            if cur.tag == "include":
                for o in cur.children:
                    if o.tag == "start":
                        inc.children = [c for c in inc.children if c.tag != "start"]
                    elif o.tag == "define":
                        remove_define(inc, o.get("name").strip())
            cur.included = inc
        elif cur.tag in ("element", "attribute"):
            name = cur.get("name")
            if name is not None:
                nm = Node("name", {}, name, cur)
                cur.children.insert(0, nm)
                del cur.attrs["name"]
                ns = cur.get("ns")
                if ns is not None:
                    nm.attrs["ns"] = ns
                elif cur.tag == "attribute":
                    nm.attrs["ns"] = ""
        if cur.tag in ("name", "nsName", "value"):
            if "ns" not in cur.attrs:
                ns = inherited(cur.parent, "ns")
                cur.attrs["ns"] = ns if ns is not None else ""
        if cur.tag == "div":
            ns = cur.get("ns")
            kids = cur.children
            for k in kids:
                k.parent = node
                if ns is not None and "ns" not in k.attrs:
                    k.attrs["ns"] = ns
            node.children[i:i + 1] = kids
            continue
        if cur.tag not in ("value", "param") and cur.text.strip() == "":
            cur.text = ""
        cleanup(cur, stack)
        i += 1


def remove_define(grammar, name):
    found = False
    keep = []
    for c in grammar.children:
        if c.tag == "define" and c.get("name").strip() == name:
            found = True
            continue
        if c.tag == "include" and hasattr(c, "included"):
            if remove_define(c.included, name):
                found = True
        keep.append(c)
    grammar.children = keep
    return found


# ----------------------------------------------------------------- defines

EMPTY, NOT_ALLOWED, EXCEPT, TEXT, ELEMENT, DATATYPE, PARAM, VALUE, LIST, ATTRIBUTE, DEF, REF, \
    EXTERNALREF, PARENTREF, OPTIONAL, ZEROORMORE, ONEORMORE, CHOICE, GROUP, INTERLEAVE, START, NOOP = range(22)

IS_NULLABLE, IS_NOT_NULLABLE, IS_INDETERMINIST, IS_MIXED, IS_TRIABLE, IS_PROCESSED, IS_COMPILABLE, \
    IS_NOT_COMPILABLE = (1 << i for i in range(8))

ALL = []


class Def:
    def __init__(self, node, typ=NOOP):
        self.type = typ
        self.node = node
        self.name = None
        self.ns = None
        self.value = None
        self.content = None
        self.attrs = None
        self.nameClass = None
        self.next = None
        self.parent = None
        self.nextHash = None
        self.dflags = 0
        self.depth = -1
        self.data = None
        self.lib = None
        self.contModel = None
        ALL.append(self)


def chain(d):
    while d is not None:
        yield d
        d = d.next


class Grammar:
    def __init__(self, parent):
        self.parent = parent
        self.start = None
        self.defs = {}
        self.refs = {}


class Parser:
    def __init__(self):
        self.grammar = None
        self.parentgrammar = None
        self.interleaves = []
        self.flags_in_attr = False

    def parse_grammar(self, nodes):
        ret = Grammar(self.grammar)
        old = self.grammar
        self.grammar = ret
        self.grammar_content(nodes)
        self.grammar = ret
        self.combine_start(ret)
        for name, d in list(ret.defs.items()):
            self.check_combine(d, name)
        for name, r in list(ret.refs.items()):
            d = ret.defs.get(name)
            if d is None:
                raise SystemExit("reference %s has no definition" % name)
            cur = r
            while cur is not None:
                cur.content = d
                cur = cur.nextHash
        self.grammar = old
        return ret

    def grammar_content(self, nodes):
        for n in nodes:
            if n.tag == "start":
                self.parse_start(n.children)
            elif n.tag == "define":
                self.parse_define(n)
            elif n.tag == "include":
                self.grammar_content(n.included.children)
                self.grammar_content(n.children)
            else:
                raise SystemExit("grammar has unexpected child " + n.tag)

    def parse_start(self, nodes):
        if nodes[0].tag == "empty":
            d = Def(nodes[0], EMPTY)
        elif nodes[0].tag == "notAllowed":
            d = Def(nodes[0], NOT_ALLOWED)
        else:
            d = self.patterns(nodes, True)
        d.start_node = nodes[0]
        if self.grammar.start is not None:
            last = self.grammar.start
            while last.next is not None:
                last = last.next
            last.next = d
        else:
            self.grammar.start = d

    def parse_define(self, node):
        name = node.get("name").strip()
        d = Def(node, DEF)
        d.name = name
        d.content = self.patterns(node.children, False)
        prev = self.grammar.defs.get(name)
        if prev is None:
            self.grammar.defs[name] = d
        else:
            while prev.nextHash is not None:
                prev = prev.nextHash
            prev.nextHash = d

    def check_combine(self, define, name):
        if define.nextHash is None:
            return
        choice = -1
        cur = define
        while cur is not None:
            comb = cur.node.get("combine")
            if comb == "choice":
                choice = 1
            elif comb == "interleave":
                choice = 0
            cur = cur.nextHash
        if choice == -1:
            choice = 0
        cur = Def(define.node, INTERLEAVE if choice == 0 else CHOICE)
        tmp = define
        last = None
        while tmp is not None:
            if tmp.content is not None:
                if tmp.content.next is not None:
                    t2 = Def(tmp.content.node, GROUP)
                    t2.content = tmp.content
                else:
                    t2 = tmp.content
                if last is None:
                    cur.content = t2
                else:
                    last.next = t2
                last = t2
            tmp.content = cur
            tmp = tmp.nextHash
        define.content = cur
        if choice == 0:
            self.interleaves.append(cur)

    def combine_start(self, grammar):
        starts = grammar.start
        if starts is None or starts.next is None:
            return
        choice = -1
        for cur in chain(starts):
            comb = cur.start_node.parent.get("combine")
            if comb == "choice":
                choice = 1
            elif comb == "interleave":
                choice = 0
        if choice == -1:
            choice = 0
        cur = Def(None, INTERLEAVE if choice == 0 else CHOICE)
        cur.content = grammar.start
        grammar.start = cur
        if choice == 0:
            self.interleaves.append(cur)

    def patterns(self, nodes, group):
        d = last = None
        for n in nodes:
            if n.tag == "element":
                cur = self.element(n)
                if d is None:
                    d = last = cur
                else:
                    if group and d.type == ELEMENT and d is last:
                        d = Def(n, GROUP)
                        d.content = last
                    last.next = cur
                    last = cur
            else:
                cur = self.pattern(n)
                if cur is not None:
                    if d is None:
                        d = last = cur
                    else:
                        last.next = cur
                        last = cur
        return d

    def pattern(self, node):
        t = node.tag
        simple = {"empty": EMPTY, "text": TEXT, "notAllowed": NOT_ALLOWED}
        grouped = {"zeroOrMore": ZEROORMORE, "oneOrMore": ONEORMORE, "optional": OPTIONAL}
        flat = {"choice": CHOICE, "group": GROUP, "list": LIST}
        if t == "element":
            return self.element(node)
        if t == "attribute":
            return self.attribute(node)
        if t in simple:
            return Def(node, simple[t])
        if t in grouped:
            d = Def(node, grouped[t])
            d.content = self.patterns(node.children, True)
            return d
        if t in flat:
            d = Def(node, flat[t])
            d.content = self.patterns(node.children, False)
            return d
        if t == "ref":
            d = Def(node, REF)
            d.name = node.get("name").strip()
            prev = self.grammar.refs.get(d.name)
            if prev is None:
                self.grammar.refs[d.name] = d
            else:
                d.nextHash = prev.nextHash
                prev.nextHash = d
            return d
        if t == "parentRef":
            d = Def(node, PARENTREF)
            d.name = node.get("name").strip()
            refs = self.parentgrammar.refs
            prev = refs.get(d.name)
            if prev is None:
                refs[d.name] = d
            else:
                d.nextHash = prev.nextHash
                prev.nextHash = d
            return d
        if t == "data":
            return self.data(node)
        if t == "value":
            return self.value(node)
        if t == "interleave":
            return self.interleave(node)
        if t == "mixed":
            d = self.interleave(node)
            if d.content is not None and d.content.next is not None:
                g = Def(node, GROUP)
                g.content = d.content
                d.content = g
            tx = Def(node, TEXT)
            tx.next = d.content
            d.content = tx
            return d
        if t == "grammar":
            oldparent = self.parentgrammar
            old = self.grammar
            self.parentgrammar = old
            g = self.parse_grammar(node.children)
            self.grammar = old
            self.parentgrammar = oldparent
            return g.start
        if t == "externalRef":
            d = Def(node, EXTERNALREF)
            sub = Parser()
            sub.interleaves = self.interleaves
            g = sub.parse_grammar(node.included.children) if node.included.tag == "grammar" else None
            d.content = g.start
            return d
        raise SystemExit("unexpected pattern " + t)

    def interleave(self, node):
        d = Def(node, INTERLEAVE)
        self.interleaves.append(d)
        last = None
        for c in node.children:
            cur = self.element(c) if c.tag == "element" else self.pattern(c)
            if cur is not None:
                cur.parent = d
                if last is None:
                    d.content = last = cur
                else:
                    last.next = cur
                    last = cur
        return d

    def data(self, node):
        d = Def(node, DATATYPE)
        d.name = node.get("type").strip()
        d.lib = inherited(node, "datatypeLibrary") or RNG
        lastparam = None
        kids = list(node.children)
        while kids and kids[0].tag == "param":
            p = Def(node, PARAM)
            p.name = kids[0].get("name")
            p.value = kids[0].text
            if lastparam is None:
                d.attrs = lastparam = p
            else:
                lastparam.next = p
                lastparam = p
            kids.pop(0)
        if kids and kids[0].tag == "except":
            ex = Def(node, EXCEPT)
            d.content = ex
            last2 = None
            for c in kids[0].children:
                t2 = self.pattern(c)
                if t2 is not None:
                    if last2 is None:
                        ex.content = last2 = t2
                    else:
                        last2.next = t2
                        last2 = t2
        return d

    def value(self, node):
        d = Def(node, VALUE)
        typ = node.get("type")
        if typ is not None:
            d.name = typ.strip()
            d.lib = inherited(node, "datatypeLibrary") or RNG
        d.value = node.text
        return d

    def attribute(self, node):
        d = Def(node, ATTRIBUTE)
        old = self.flags_in_attr
        self.flags_in_attr = True
        kids = node.children
        cur = self.name_class(kids[0], d)
        kids = kids[1:] if cur is not None else kids
        if kids:
            c = self.pattern(kids[0])
            if c is not None:
                d.content = c
                c.parent = d
        self.flags_in_attr = old
        return d

    def name_class(self, node, d):
        ret = d
        if node.tag in ("name", "anyName", "nsName") and d.type not in (ELEMENT, ATTRIBUTE):
            ret = Def(node, ATTRIBUTE if self.flags_in_attr else ELEMENT)
            ret.parent = d
        if node.tag == "name":
            ret.name = node.text.strip()
            ret.ns = node.get("ns")
        elif node.tag == "anyName":
            ret.name = None
            ret.ns = None
            if node.children:
                ret.nameClass = self.except_name_class(node.children[0], d.type == ATTRIBUTE)
        elif node.tag == "nsName":
            ret.name = None
            ret.ns = node.get("ns")
            if node.children:
                ret.nameClass = self.except_name_class(node.children[0], d.type == ATTRIBUTE)
        elif node.tag == "choice":
            ret = Def(node, CHOICE)
            ret.parent = d
            last = None
            for c in node.children:
                t = self.name_class(c, ret)
                if t is not None:
                    if last is None:
                        last = ret.nameClass = t
                    else:
                        last.next = t
                        last = t
        else:
            return None
        if ret is not d:
            if d.nameClass is None:
                d.nameClass = ret
            else:
                t = d.nameClass
                while t.next is not None:
                    t = t.next
                t.next = ret
        return ret

    def except_name_class(self, node, attr):
        ret = Def(node, EXCEPT)
        last = None
        for c in node.children:
            cur = Def(c, ATTRIBUTE if attr else ELEMENT)
            if self.name_class(c, cur) is not None:
                if last is None:
                    ret.content = cur
                else:
                    last.next = cur
                last = cur
        return ret

    def element(self, node):
        d = Def(node, ELEMENT)
        kids = node.children
        cur = self.name_class(kids[0], d)
        kids = kids[1:] if cur is not None else kids
        last = None
        for c in kids:
            cur = self.pattern(c)
            if cur is None:
                continue
            cur.parent = d
            if cur.type == ATTRIBUTE:
                cur.next = d.attrs
                d.attrs = cur
            else:
                if last is None:
                    d.content = last = cur
                else:
                    if last.type == ELEMENT and d.content is last:
                        g = Def(node, GROUP)
                        g.content = last
                        d.content = g
                    last.next = cur
                    last = cur
        return d


# ------------------------------------------------------------ simplification

def try_unlink(cur, parent, prev):
    if prev is not None:
        prev.next = cur.next
    else:
        if parent is not None:
            if parent.content is cur:
                parent.content = cur.next
            elif parent.attrs is cur:
                parent.attrs = cur.next
            elif parent.nameClass is cur:
                parent.nameClass = cur.next
        else:
            cur.type = NOOP
            prev = cur
    return prev


# patterns whose content a walk over a definition enters
CONTAINERS = (CHOICE, INTERLEAVE, GROUP, ONEORMORE, ZEROORMORE, OPTIONAL, PARENTREF, EXTERNALREF, REF, DEF)


def walk(d):
    """The nodes of `d` and its siblings, in document order, entering
    containers (and linking their children to them) but nothing else."""
    cur = d
    while cur is not None:
        yield cur
        if cur.type in CONTAINERS and cur.content is not None:
            parent = cur
            cur = cur.content
            t = cur
            while t is not None:
                t.parent = parent
                t = t.next
            continue
        if cur is d:
            return
        if cur.next is not None:
            cur = cur.next
            continue
        while True:
            cur = cur.parent
            if cur is None or cur is d:
                return
            if cur.next is not None:
                cur = cur.next
                break


def generate_attributes(d):
    """1 when `d` can only generate attributes."""
    leaves = (ELEMENT, TEXT, DATATYPE, PARAM, LIST, VALUE, EMPTY)
    return 0 if any(n.type in leaves for n in walk(d)) else 1


def simplify(cur, parent):
    prev = None
    while cur is not None:
        if cur.type in (REF, PARENTREF):
            if cur.depth != -3:
                cur.depth = -3
                simplify(cur.content, cur)
        elif cur.type == NOT_ALLOWED:
            cur.parent = parent
            if parent is not None and parent.type in (ATTRIBUTE, LIST, GROUP, INTERLEAVE, ONEORMORE, ZEROORMORE):
                parent.type = NOT_ALLOWED
                break
            if parent is not None and parent.type == CHOICE:
                prev = try_unlink(cur, parent, prev)
            else:
                prev = cur
        elif cur.type == EMPTY:
            cur.parent = parent
            if parent is not None and parent.type in (ONEORMORE, ZEROORMORE):
                parent.type = EMPTY
                break
            if parent is not None and parent.type in (GROUP, INTERLEAVE):
                prev = try_unlink(cur, parent, prev)
            else:
                prev = cur
        else:
            cur.parent = parent
            if cur.content is not None:
                simplify(cur.content, cur)
            if cur.type != VALUE and cur.attrs is not None:
                simplify(cur.attrs, cur)
            if cur.nameClass is not None:
                simplify(cur.nameClass, cur)
            if cur.type == ELEMENT:
                while cur.content is not None:
                    if generate_attributes(cur.content) == 1:
                        tmp = cur.content
                        cur.content = tmp.next
                        tmp.next = cur.attrs
                        cur.attrs = tmp
                    else:
                        break
                pre = cur.content
                while pre is not None and pre.next is not None:
                    tmp = pre.next
                    if generate_attributes(tmp) == 1:
                        pre.next = tmp.next
                        tmp.next = cur.attrs
                        cur.attrs = tmp
                    else:
                        pre = tmp
            if cur.type in (GROUP, INTERLEAVE):
                if cur.content is None:
                    cur.type = EMPTY
                elif cur.content.next is None:
                    if parent is None and prev is None:
                        cur.type = NOOP
                    elif prev is None:
                        parent.content = cur.content
                        cur.content.next = cur.next
                        cur = cur.content
                    else:
                        cur.content.next = cur.next
                        prev.next = cur.content
                        cur = cur.content
            if cur.type == EXCEPT and cur.content is not None and cur.content.type == NOT_ALLOWED:
                prev = try_unlink(cur, parent, prev)
            elif cur.type == NOT_ALLOWED:
                if parent is not None and parent.type in (ATTRIBUTE, LIST, GROUP, INTERLEAVE, ONEORMORE,
                                                          ZEROORMORE):
                    parent.type = NOT_ALLOWED
                    break
                if parent is not None and parent.type == CHOICE:
                    prev = try_unlink(cur, parent, prev)
                else:
                    prev = cur
            elif cur.type == EMPTY:
                if parent is not None and parent.type in (ONEORMORE, ZEROORMORE):
                    parent.type = EMPTY
                    break
                if parent is not None and parent.type in (GROUP, INTERLEAVE, CHOICE):
                    prev = try_unlink(cur, parent, prev)
                else:
                    prev = cur
            else:
                prev = cur
        cur = cur.next


def is_nullable(d):
    if d is None:
        return -1
    if d.dflags & IS_NULLABLE:
        return 1
    if d.dflags & IS_NOT_NULLABLE:
        return 0
    t = d.type
    if t in (EMPTY, TEXT):
        ret = 1
    elif t in (NOOP, DEF, REF, EXTERNALREF, PARENTREF, ONEORMORE):
        ret = is_nullable(d.content)
    elif t in (EXCEPT, NOT_ALLOWED, ELEMENT, DATATYPE, PARAM, VALUE, LIST, ATTRIBUTE):
        ret = 0
    elif t == CHOICE:
        ret = 0
        for c in chain(d.content):
            ret = is_nullable(c)
            if ret != 0:
                break
        else:
            ret = 0
    elif t in (START, INTERLEAVE, GROUP):
        for c in chain(d.content):
            ret = is_nullable(c)
            if ret != 1:
                break
        else:
            return 1
    else:
        return -1
    if ret == 0:
        d.dflags |= IS_NOT_NULLABLE
    if ret == 1:
        d.dflags |= IS_NULLABLE
    return ret


def get_elements(d, eora):
    """The elements and text (`eora` 0) or the attributes (1) under `d`."""
    wanted = {0: (ELEMENT, TEXT), 1: (ATTRIBUTE,)}.get(eora, ())
    return [n for n in walk(d) if n.type in wanted]


def triage_key(e):
    if e.type == TEXT:
        return ("#text", None)
    ns = e.ns if e.ns else None
    return (e.name if e.name is not None else "#any", ns)


def check_choice_determinism(d):
    if d.type != CHOICE or d.dflags & IS_PROCESSED:
        return
    nullable = is_nullable(d)
    triable = 1
    triage = {} if nullable == 0 else None
    if nullable != 0:
        triable = 0
    for cur in chain(d.content):
        lst = get_elements(cur, 0)
        if not lst:
            triable = 0
        elif triable == 1:
            for e in lst:
                if triable != 1:
                    break
                if e.type == TEXT or e.type == ELEMENT:
                    k = triage_key(e)
                    if k in triage:
                        triable = -1
                    else:
                        triage[k] = cur
                else:
                    triable = -1
    if triable == 1:
        d.dflags |= IS_TRIABLE
        d.data = triage
    d.dflags |= IS_PROCESSED


def check_rules(cur, ptype):
    """Only the parts of the rule check that leave marks used at run time."""
    while cur is not None:
        if cur.type in (REF, PARENTREF):
            if cur.depth > -4:
                cur.depth = -4
                check_rules(cur.content, cur.type)
                cur.depth = -15
        elif cur.type == ELEMENT:
            check_rules(cur.attrs, cur.type)
            check_rules(cur.content, cur.type)
        elif cur.type == ATTRIBUTE:
            check_rules(cur.content, cur.type)
        elif cur.type == CHOICE:
            check_choice_determinism(cur)
            check_rules(cur.content, cur.type)
        else:
            check_rules(cur.content, cur.type)
        cur = cur.next


def compute_interleave(d):
    groups = []
    is_mixed = 0
    determinist = 1
    for cur in chain(d.content):
        if cur.type == TEXT:
            is_mixed += 1
        groups.append((cur, get_elements(cur, 0)))
    triage = {}
    for i, (rule, defs) in enumerate(groups):
        if defs:
            for e in defs:
                if e.type == TEXT or (e.type == ELEMENT):
                    k = triage_key(e)
                    dup = k in triage
                    if not dup:
                        triage[k] = i + 1
                    if e.type == ELEMENT and e.name is None and e.nameClass is not None:
                        determinist = 2
                    if dup:
                        determinist = -1
                else:
                    determinist = -1
        else:
            determinist = 0
    flags = 0
    if determinist == 1:
        flags = 1
    elif determinist == 2:
        flags = 3
    d.data = (groups, triage, flags)
    if is_mixed:
        d.dflags |= IS_MIXED


# --------------------------------------------------------------- automata

def is_compileable(d):
    if d is None:
        return -1
    if d.type != ELEMENT and d.dflags & IS_COMPILABLE:
        return 1
    if d.type != ELEMENT and d.dflags & IS_NOT_COMPILABLE:
        return 0
    t = d.type
    ret = -1
    if t == NOOP:
        ret = is_compileable(d.content)
    elif t in (TEXT, EMPTY):
        ret = 1
    elif t == ELEMENT:
        if not d.dflags & (IS_NOT_COMPILABLE | IS_COMPILABLE):
            for c in chain(d.content):
                ret = is_compileable(c)
                if ret != 1:
                    break
            if ret == 0:
                d.dflags &= ~IS_COMPILABLE
                d.dflags |= IS_NOT_COMPILABLE
            if ret == 1:
                d.dflags &= IS_NOT_COMPILABLE
                if not d.dflags:
                    d.dflags |= IS_COMPILABLE
        return 0 if (d.nameClass is not None or d.name is None) else 1
    elif t in (REF, EXTERNALREF, PARENTREF):
        if d.depth == -20:
            return 1
        d.depth = -20
        for c in chain(d.content):
            ret = is_compileable(c)
            if ret != 1:
                break
    elif t in (START, OPTIONAL, ZEROORMORE, ONEORMORE, CHOICE, GROUP, DEF):
        for c in chain(d.content):
            ret = is_compileable(c)
            if ret != 1:
                break
    else:
        ret = 0
    if ret == 0:
        d.dflags |= IS_NOT_COMPILABLE
    if ret == 1:
        d.dflags |= IS_COMPILABLE
    return ret


class Automaton:
    def __init__(self):
        self.trans = [[]]   # per state: [atom or None, to]
        self.final = set()
        self.atoms = []

    def new_state(self):
        self.trans.append([])
        return len(self.trans) - 1

    def add(self, frm, atom, to):
        if to is None:
            to = self.new_state()
        self.trans[frm].append([atom, to])
        return to

    def new_transition(self, frm, token, data):
        self.atoms.append((token, data))
        return self.add(frm, len(self.atoms) - 1, None)

    def self_transition(self, frm, token):
        self.atoms.append((token, None))
        self.add(frm, len(self.atoms) - 1, frm)

    def epsilon(self, frm, to=None):
        return self.add(frm, None, to)


class Compiler:
    def __init__(self):
        self.am = None
        self.state = None
        self.models = []

    def build(self, d):
        olds = (self.am, self.state)
        d.depth = -25
        self.am = Automaton()
        self.state = 0
        for c in chain(d.content):
            self.compile(c)
        self.am.final.add(self.state)
        model = reduce_automaton(self.am)
        self.am, self.state = olds
        return model

    def compile(self, d):
        t = d.type
        if t == START:
            if is_compileable(d) == 1 and d.depth != -25:
                self.build(d)
        elif t == ELEMENT:
            if self.am is not None and d.name is not None:
                self.state = self.am.new_transition(self.state, element_token(d), d)
            if d.dflags & IS_COMPILABLE and d.depth != -25:
                model = self.build(d)
                if model is not None:
                    d.contModel = len(self.models)
                    self.models.append(model)
            else:
                old = self.am
                self.try_compile(d)
                self.am = old
        elif t == NOOP:
            self.compile(d.content)
        elif t == OPTIONAL:
            old = self.state
            self.compile(d.content)
            self.am.epsilon(old, self.state)
        elif t == ZEROORMORE:
            self.state = self.am.epsilon(self.state)
            old = self.state
            for c in chain(d.content):
                self.compile(c)
            self.am.epsilon(self.state, old)
            self.state = self.am.epsilon(old)
        elif t == ONEORMORE:
            for c in chain(d.content):
                self.compile(c)
            old = self.state
            for c in chain(d.content):
                self.compile(c)
            self.am.epsilon(self.state, old)
            self.state = self.am.epsilon(old)
        elif t == CHOICE:
            target = None
            old = self.state
            for c in chain(d.content):
                self.state = old
                self.compile(c)
                if target is None:
                    target = self.state
                else:
                    self.am.epsilon(self.state, target)
            self.state = target
        elif t in (REF, EXTERNALREF, PARENTREF, GROUP, DEF):
            for c in chain(d.content):
                self.compile(c)
        elif t == TEXT:
            self.state = self.am.epsilon(self.state)
            old = self.state
            if d.content is not None:
                self.compile(d.content)
            self.am.self_transition(self.state, "#text")
            self.state = self.am.epsilon(old)
        elif t == EMPTY:
            self.state = self.am.epsilon(self.state)

    def try_compile(self, d):
        if d.type in (START, ELEMENT):
            is_compileable(d)
            if d.dflags & IS_COMPILABLE and d.depth != -25:
                self.am = None
                self.compile(d)
                return
        if d.type == NOOP:
            self.try_compile(d.content)
        elif d.type in (OPTIONAL, ZEROORMORE, ONEORMORE, CHOICE, GROUP, DEF, START, REF, EXTERNALREF, PARENTREF):
            for c in chain(d.content):
                self.try_compile(c)


def element_token(d):
    return d.name if not d.ns else d.name + "|" + d.ns


def reduce_automaton(am):
    """libxml2's epsilon elimination and determinism check; returns the
    deterministic table [(final, {token: (target, define)})] or None."""
    n = len(am.trans)
    trans = [[list(t) for t in ts] for ts in am.trans]
    final = set(am.final)
    unreach = set()
    # simple epsilon transitions: states whose only way out is one epsilon
    for s in range(n):
        if len(trans[s]) != 1 or s in final or s in unreach:
            continue
        atom, to = trans[s][0]
        if atom is None and to >= 0 and to != s:
            if s == 0:
                continue
            for f in range(n):
                for t in list(trans[f]):
                    if t[1] == s:
                        t[1] = -1
                        if not any(x[0] == t[0] and x[1] == to for x in trans[f]):
                            trans[f].append([t[0], to])
            trans[s] = []
            unreach.add(s)
    # epsilon closure
    mark = [0] * n

    def reduce(frm, to):
        if mark[to]:
            return
        mark[to] = 2
        if to in final:
            final.add(frm)
        for t in list(trans[to]):
            if t[1] < 0:
                continue
            if t[0] is None:
                if t[1] != frm:
                    reduce(frm, t[1])
            else:
                if not any(x[0] == t[0] and x[1] == t[1] for x in trans[frm]):
                    trans[frm].append([t[0], t[1]])
        mark[to] = 0

    has_eps = False
    for s in range(n - 1, -1, -1):
        if s in unreach:
            continue
        for t in list(trans[s]):
            if t[0] is None and t[1] >= 0:
                if t[1] == s:
                    t[1] = -1
                else:
                    has_eps = True
                    to = t[1]
                    t[1] = -2
                    mark[s] = 1
                    reduce(s, to)
                    mark[s] = 0
    if has_eps:
        for s in range(n):
            for t in trans[s]:
                if t[0] is None and t[1] >= 0:
                    t[1] = -1
    # reachable states
    seen = {0}
    todo = [0]
    while todo:
        s = todo.pop()
        for a, to in trans[s]:
            if a is not None and to >= 0 and to not in seen:
                seen.add(to)
                todo.append(to)
    # determinism
    for s in seen:
        ts = [t for t in trans[s] if t[0] is not None and t[1] >= 0]
        for i, t1 in enumerate(ts):
            if t1[1] == -1:
                continue
            for t2 in ts[:i]:
                if t2[1] == -1:
                    continue
                tok1 = am.atoms[t1[0]][0]
                tok2 = am.atoms[t2[0]][0]
                if tok1 != tok2:
                    continue
                if t1[1] == t2[1]:
                    t2[1] = -1
                else:
                    return None
    order = sorted(seen)
    index = {s: i for i, s in enumerate(order)}
    table = []
    for s in order:
        row = {}
        for a, to in trans[s]:
            if a is None or to < 0:
                continue
            tok, data = am.atoms[a]
            row[tok] = (index[to], data)
        table.append((s in final, row))
    return table


# ------------------------------------------------------------------ output

def esc(s):
    if s is None:
        return "~"
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n") or "\\e"


KIND = {ELEMENT: "E", ATTRIBUTE: "A", CHOICE: "C", INTERLEAVE: "I", OPTIONAL: "O", ZEROORMORE: "Z",
        ONEORMORE: "M", TEXT: "T", EMPTY: "Y", NOT_ALLOWED: "N", VALUE: "V", DATATYPE: "D", LIST: "S",
        EXCEPT: "X", PARAM: "P", GROUP: "G", DEF: "G", REF: "R", PARENTREF: "R", EXTERNALREF: "R",
        START: "R", NOOP: "R"}


def emit(start, models):
    ids = {}
    order = []

    def visit(d):
        for x in chain(d):
            if id(x) in ids:
                continue
            ids[id(x)] = len(order)
            order.append(x)
            for sub in (x.content, x.attrs, x.nameClass):
                if sub is not None:
                    visit(sub)
            if x.type == INTERLEAVE and x.data:
                for rule, defs in x.data[0]:
                    visit(rule)
                    for e in defs:
                        visit(e)
            if x.type == CHOICE and x.dflags & IS_TRIABLE:
                for v in x.data.values():
                    visit(v)
    visit(start)
    for m in models:
        for _f, row in m:
            for _tgt, data in row.values():
                if data is not None:
                    visit(data)

    def lst(d):
        return ",".join(str(ids[id(x)]) for x in chain(d)) or "-"

    def key(k):
        return esc(k[0] if k[1] is None else k[0] + "|" + k[1])
    lines = []
    for d in order:
        extra = "-"
        if d.type == CHOICE and d.dflags & IS_TRIABLE:
            extra = " ".join("%s=%d" % (key(k), ids[id(v)]) for k, v in d.data.items()) or "+"
        elif d.type == INTERLEAVE and d.data:
            groups, triage, flags = d.data
            mixed = 4 if d.dflags & IS_MIXED else 0
            extra = "%d;%s;%s" % (flags | mixed,
                                  " ".join("%d:%s" % (ids[id(r)], ",".join(str(ids[id(e)]) for e in defs) or "-")
                                           for r, defs in groups),
                                  " ".join("%s=%d" % (key(k), v) for k, v in triage.items()) or "-")
        elif d.type == ELEMENT and d.contModel is not None:
            extra = str(d.contModel)
        elif d.type in (DATATYPE, VALUE):
            extra = "x" if d.lib == XSD_LIB else "r"
        fields = [KIND[d.type], esc(d.name), esc(d.ns), esc(d.value), lst(d.content),
                  lst(d.attrs), lst(d.nameClass), extra]
        lines.append("\t".join(fields))
    for m in models:
        states = []
        for fin, row in m:
            states.append(("F" if fin else "-") + " ".join(
                "%s=%d:%s" % (esc(tok), tgt, "-" if data is None else ids[id(data)])
                for tok, (tgt, data) in row.items()))
        lines.append("@" + "\t".join(states))
    return ids[id(start)], lines


def compile_schema(path):
    global ALL
    ALL = []
    root = load(path)
    top = Node("#top", {}, "", None)
    top.children = [root]
    root.parent = top
    top.base = path
    cleanup(top, [path])
    p = Parser()
    if root.tag != "grammar":
        raise SystemExit("not a grammar")
    g = p.parse_grammar(root.children)
    start = g.start
    simplify(start, None)
    while start is not None and start.type == NOOP and start.next is not None:
        start = start.content
    check_rules(start, NOOP)
    for il in p.interleaves:
        compute_interleave(il)
    if start.type != START:
        s = Def(None, START)
        s.content = start
        start = s
    c = Compiler()
    c.try_compile(start)
    return emit(start, c.models)


def main():
    args = sys.argv[1:]
    out_path = OUT
    if "--out" in args:
        i = args.index("--out")
        out_path = args[i + 1]
        del args[i:i + 2]
    src = args[0] if args else "/usr/share/libvirt/schemas"
    out = ["// @generated by tools/gen_schemas.py from libvirt's installed RelaxNG schemas: do not edit.",
           "// Each table is the compiled grammar of one document in the line format read by",
           "// src/conf/schema/grammar.rs.", ""]
    for doc in DOCUMENTS:
        start, lines = compile_schema(os.path.join(src, doc + ".rng"))
        body = "\n".join(lines)
        out.append("pub(super) const %s: (usize, &str) = (%d, r##\"%s\"##);" % (doc.upper(), start, body))
        out.append("")
    with open(out_path, "w") as f:
        f.write("\n".join(out))
    print("wrote", out_path)


if __name__ == "__main__":
    main()
