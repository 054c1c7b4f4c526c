"""What the Pulumi program declares for the API's pods, read from its
TypeScript source (infra/), for the checks that the image's server fits them.

The API tests run where there is no Node.js (the pipeline's python container),
so this reads the source: the API's pod is the one object in infra/ with a
preStop wait; a field's value there is a number or a constant declared as one
(`const NAME = 40;`) anywhere in infra/.
"""
import re
from dataclasses import dataclass

from .servers import ROOT

INFRA = ROOT / "infra"
_CONSTANT = re.compile(r"\bconst\s+([A-Za-z_]\w*)\s*(?::\s*number\s*)?=\s*(\d+)\s*;")
_VALUE = r"(?:String\(\s*)?\"?(\w+)"


@dataclass(frozen=True)
class ApiPod:
    termination_grace_seconds: int
    pre_stop_seconds: int
    container_port: int


def _constants(sources):
    """Each name declared as a number in infra/, with every value it is given."""
    found = {}
    for text in sources:
        for name, value in _CONSTANT.findall(text):
            found.setdefault(name, set()).add(int(value))
    return found


def _field(text, pattern, what, constants):
    match = re.search(pattern + _VALUE, text, re.S)
    assert match, f"the API's pod declares no {what}"
    word = match.group(1)
    if word.isdigit():
        return int(word)
    values = constants.get(word, set())
    assert len(values) == 1, f"the API's pod's {what} is {word}, declared in infra/ as {sorted(values) or 'no number'}"
    return next(iter(values))


def declared():
    sources = {path: path.read_text() for path in INFRA.rglob("*.ts")}
    pods = [text for text in sources.values() if "preStop" in text]
    assert len(pods) == 1, f"expected one file of infra/ with a preStop wait (the API's pod), found {len(pods)}"
    [pod] = pods
    constants = _constants(sources.values())
    return ApiPod(
        termination_grace_seconds=_field(pod, r"terminationGracePeriodSeconds:\s*", "termination grace period",
                                         constants),
        pre_stop_seconds=_field(pod, r"preStop:.*?command:\s*\[\s*\"sleep\",\s*", "preStop sleep", constants),
        container_port=_field(pod, r"containerPort:\s*", "container port", constants),
    )
