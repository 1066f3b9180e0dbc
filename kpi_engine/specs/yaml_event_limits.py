"""The YAML limits (nesting, alias expansion) checked on libyaml's event stream.

libyaml's parser is a state machine in C: it reads any document without recursing, and
reports events (a collection starts or ends, a scalar, an alias) with their positions. The
checks here follow those events with a stack, the way the checked pure-Python loader
(``yaml_positions._Loader``) counts while it composes: a node nested deeper than
``MAX_YAML_DEPTH`` (scalars count as a level), an alias to a node that is still open (it
contains itself), a duplicate or unknown anchor, or aliases adding more than
``MAX_ALIAS_NODES`` nodes in all. Expanded sizes are counted per anchor, never by
expanding, so an alias bomb costs one pass over its few hundred bytes.

Only a document that passes is composed by libyaml's (recursive) composer. Whatever does
not pass is left to the checked loader, which refuses it with the same error, at the same
line and column, as it always has.
"""

from __future__ import annotations

import yaml

from .limits import MAX_ALIAS_NODES, MAX_YAML_DEPTH

_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def within_limits(parser: yaml.CSafeLoader) -> bool:
    """Whether the events of ``parser`` stay within the nesting and alias limits.

    Consumes the parser's events. False as soon as a limit is passed or an anchor is
    misused; errors of syntax propagate as libyaml raises them."""
    sizes: dict[str, int] = {}  # anchor -> nodes its node expands to, once closed
    open_anchors: set[str] = set()
    stack: list[list] = [[None, 0]]  # per open collection: [anchor, nodes so far]
    added = 0
    while parser.check_event():
        event = parser.get_event()
        if isinstance(event, yaml.ScalarEvent):
            if len(stack) > MAX_YAML_DEPTH:  # the scalar is one level below its parent
                return False
            if event.anchor is not None:
                if event.anchor in sizes or event.anchor in open_anchors:
                    return False
                sizes[event.anchor] = 1
            stack[-1][1] += 1
        elif isinstance(event, _OPENS):
            if len(stack) > MAX_YAML_DEPTH:
                return False
            if event.anchor is not None:
                if event.anchor in sizes or event.anchor in open_anchors:
                    return False
                open_anchors.add(event.anchor)
            stack.append([event.anchor, 1])
        elif isinstance(event, _CLOSES):
            anchor, size = stack.pop()
            if anchor is not None:
                open_anchors.discard(anchor)
                sizes[anchor] = size
            stack[-1][1] += size
        elif isinstance(event, yaml.AliasEvent):
            size = sizes.get(event.anchor)
            if size is None:  # unknown, or the alias sits inside the node it names
                return False
            added += size
            if added > MAX_ALIAS_NODES:
                return False
            stack[-1][1] += size
        elif isinstance(event, yaml.DocumentEndEvent):
            sizes.clear()  # anchors do not outlive their document
    return True
