"""What botocore's service models say about AWS CLI operations, for tests/docs.test.ts.

Reads a JSON list of [cli service, cli operation] pairs on stdin and prints, for each pair, whether the operation
exists and the CLI option names of its input members and of its required ones. The AWS CLI names a service's
operations and options by botocore's xform_name of the model's names (kebab-case), and `aws s3api` is the `s3` model.
"""
import json
import sys

import botocore.session
from botocore import xform_name

CLI_SERVICE_TO_MODEL = {"s3api": "s3"}

session = botocore.session.get_session()
available = set(session.get_available_services())
out = {}
for service, operation in json.load(sys.stdin):
    model_name = CLI_SERVICE_TO_MODEL.get(service, service)
    key = f"{service} {operation}"
    if model_name not in available:
        out[key] = {"service": False}
        continue
    model = session.get_service_model(model_name)
    names = {xform_name(name, "-"): name for name in model.operation_names}
    if operation not in names:
        out[key] = {"service": True, "operation": False}
        continue
    shape = model.operation_model(names[operation]).input_shape
    members = list(shape.members) if shape else []
    required = list(shape.required_members) if shape else []
    out[key] = {
        "service": True,
        "operation": True,
        "options": ["--" + xform_name(m, "-") for m in members],
        "required": ["--" + xform_name(m, "-") for m in required],
        "booleans": ["--" + xform_name(m, "-") for m in members if shape.members[m].type_name == "boolean"],
    }
json.dump(out, sys.stdout)
