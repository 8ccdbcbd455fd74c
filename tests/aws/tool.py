"""AWS helpers for the nl2sql tests, run with the venv of tests/install-python against moto.

  tool.py create-table NAME                 a table with the store's key schema and TTL
  tool.py create-secret NAME VALUE          a Secrets Manager secret (e.g. a database URL)
  tool.py expand TEMPLATE OUT [CODE_URI]    SAM -> CloudFormation (aws-sam-translator), CodeUri set to an S3 URI
  tool.py deploy TEMPLATE STACK [K=V ...]   upload dummy code, create the stack, print its resources and outputs
                                            (resources moto cannot create, and outputs that use them, are left out
                                            and listed under "skipped"; Secrets Manager dynamic references in
                                            function environments are resolved as CloudFormation would, since
                                            moto leaves them as written)

Every command prints JSON on stdout. The AWS endpoint, region and credentials come from the environment
(AWS_ENDPOINT_URL etc.), so the same commands would work against AWS itself.
"""

import io
import json
import re
import sys
import zipfile

import boto3
from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform


def client(service):
    return boto3.client(service)


def create_table(name):
    ddb = client("dynamodb")
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.get_waiter("table_exists").wait(TableName=name)
    ddb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )
    return {"table": name}


def create_secret(name, value):
    arn = client("secretsmanager").create_secret(Name=name, SecretString=value)["ARN"]
    return {"arn": arn}


DYNAMIC_SECRET = re.compile(r"\{\{resolve:secretsmanager:([^:}]+(?::[^:}]+)*?)(?::SecretString)?\}\}")


def resolve_secrets(value):
    """CloudFormation's {{resolve:secretsmanager:ID:SecretString}} (whole-secret form only)."""
    secrets = client("secretsmanager")
    return DYNAMIC_SECRET.sub(lambda m: secrets.get_secret_value(SecretId=m.group(1))["SecretString"], value)


class NoManagedPolicies:
    """The template names no managed policies by name, so nothing needs looking up in IAM."""

    def load(self):
        return {}


def set_code_uri(template, code_uri):
    """What `sam package` does after `sam build`: point every function at uploaded code."""
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = code_uri
    return template


def expand(path, out, code_uri="s3://nl2sql-artifacts/function.zip"):
    template = set_code_uri(cfn_yaml.load(path), code_uri)
    expanded = transform(template, {}, NoManagedPolicies())
    with open(out, "w") as f:
        json.dump(expanded, f, indent=1, default=str)
    return {"resources": sorted(expanded["Resources"])}


# Resource types moto's CloudFormation does not implement.
UNSUPPORTED = {"AWS::Lambda::Url"}


def without_unsupported(template):
    skipped = sorted(name for name, r in template["Resources"].items() if r["Type"] in UNSUPPORTED)
    for name in skipped:
        del template["Resources"][name]
    for name, output in list(template.get("Outputs", {}).items()):
        if any(s in json.dumps(output) for s in skipped):
            del template["Outputs"][name]
            skipped.append(f"Outputs.{name}")
    return template, skipped


def deploy(path, stack, params):
    s3 = client("s3")
    s3.create_bucket(Bucket="nl2sql-artifacts")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    s3.put_object(Bucket="nl2sql-artifacts", Key="function.zip", Body=buf.getvalue())
    cfn = client("cloudformation")
    with open(path) as f:
        template, skipped = without_unsupported(json.load(f))
    body = json.dumps(template)
    parameters = [{"ParameterKey": k, "ParameterValue": v} for k, v in (p.split("=", 1) for p in params)]
    cfn.create_stack(
        StackName=stack, TemplateBody=body, Parameters=parameters, Capabilities=["CAPABILITY_IAM"]
    )
    cfn.get_waiter("stack_create_complete").wait(StackName=stack)
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    lam = client("lambda")
    functions = {}
    for r in resources:
        if r["ResourceType"] == "AWS::Lambda::Function":
            config = lam.get_function_configuration(FunctionName=r["PhysicalResourceId"])
            functions[r["LogicalResourceId"]] = {
                "name": config["FunctionName"],
                "runtime": config.get("Runtime"),
                "handler": config.get("Handler"),
                "timeout": config.get("Timeout"),
                "memory": config.get("MemorySize"),
                "architectures": config.get("Architectures"),
                "environment": {k: resolve_secrets(v)
                                for k, v in config.get("Environment", {}).get("Variables", {}).items()},
            }
    return {
        "functions": functions,
        "status": described["StackStatus"],
        "skipped": skipped,
        "outputs": {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])},
        "resources": {r["LogicalResourceId"]: {"type": r["ResourceType"], "id": r.get("PhysicalResourceId")}
                      for r in resources},
    }


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "create-table":
        result = create_table(*args)
    elif command == "create-secret":
        result = create_secret(*args)
    elif command == "expand":
        result = expand(*args)
    elif command == "deploy":
        result = deploy(args[0], args[1], args[2:])
    else:
        raise SystemExit(f"unknown command {command}")
    json.dump(result, sys.stdout, default=str)


if __name__ == "__main__":
    main(sys.argv)
