"""Small ONNX graph edits shared by the voices: read a hidden tensor, or feed it."""

from __future__ import annotations

import onnx
from onnx import TensorProto, helper


def with_only_output(model: onnx.ModelProto, tensor: str) -> onnx.ModelProto:
    """The part of the graph that computes `tensor`, with `tensor` as its only output.

    Used to read a model's predicted durations without running its audio decoder.
    """
    producers = {out: node for node in model.graph.node for out in node.output}
    needed, stack, seen = [], [tensor], set()
    while stack:
        name = stack.pop()
        node = producers.get(name)
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        needed.append(node)
        stack.extend(node.input)
    keep = {id(n) for n in needed}
    nodes = [n for n in model.graph.node if id(n) in keep]
    used = {name for n in nodes for name in n.input}
    graph = helper.make_graph(
        nodes,
        model.graph.name,
        [i for i in model.graph.input if i.name in used],
        [helper.make_tensor_value_info(tensor, TensorProto.FLOAT, None)],
        [t for t in model.graph.initializer if t.name in used],
    )
    pruned = helper.make_model(graph, opset_imports=model.opset_import, ir_version=model.ir_version)
    return pruned


def with_input_for(model: onnx.ModelProto, tensor: str, shape: list[int | str]) -> onnx.ModelProto:
    """Every reader of `tensor` reads a new float graph input of the same name instead."""
    producers = [n for n in model.graph.node if tensor in n.output]
    for node in producers:
        node.output[:] = [f"{out}_unused" if out == tensor else out for out in node.output]
    model.graph.input.append(helper.make_tensor_value_info(tensor, TensorProto.FLOAT, shape))
    return model
