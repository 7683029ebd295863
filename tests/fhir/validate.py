"""Validate FHIR R4 JSON resources with the third-party `fhir.resources` library (6.1.x,
FHIR 4.0.1). Usage: python validate.py FILE...  Each file holds one resource (any type).
Prints one line per file and exits 1 when any file is invalid, 3 when the library is
missing or is not the R4 edition."""
import json
import sys

try:
    import fhir.resources
    from fhir.resources import construct_fhir_element
except ImportError as e:  # the caller skips or fails, as it is told
    print(f"fhir.resources is not installed: {e}")
    sys.exit(3)

if fhir.resources.__fhir_version__ != "4.0.1":
    print(f"fhir.resources {fhir.resources.__version__} is FHIR {fhir.resources.__fhir_version__}, not R4 (4.0.1)")
    sys.exit(3)

bad = 0
for name in sys.argv[1:]:
    with open(name, encoding="utf-8") as f:
        data = json.load(f)
    try:
        construct_fhir_element(data["resourceType"], data)
        print(f"valid {data['resourceType']}: {name}")
    except Exception as e:  # pydantic's ValidationError lists every problem
        bad += 1
        print(f"INVALID {data.get('resourceType')}: {name}\n{e}")
sys.exit(1 if bad else 0)
