#!/bin/sh
# bad.sh DIR: broken SkyPilot price tables, each imported by $FEDPLAN; prints every message
# (DIR/ removed) and exit code.  Each must be refused with file:line:col and exit 2.
set -u
d=$1
mkdir -p "$d/aws"
H='InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,AvailabilityZone'
case_() { # NAME CSV-TEXT [OPTIONS...]
    name=$1 text=$2
    shift 2
    printf '%s' "$text" > "$d/aws/vms.csv"
    echo "== $name"
    out=$($FEDPLAN catalog import skypilot "$d/aws/vms.csv" --date 2026-11-29 "$@" 2>&1 >/dev/null)
    rc=$?
    printf '%s\n' "$out" | sed "s|$d/||g"
    echo "exit $rc"
}
case_ empty ''
case_ missing-column 'InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region
g5.xlarge,A10G,1,4,16,1.006,us-east-1
'
case_ column-twice "$H,Price
"
case_ unclosed-quote "$H
g5.xlarge,A10G,1.0,4.0,16.0,\"{'Gpus': [,1.006,0.4,us-east-1,use1-az1
"
case_ quote-inside-field "$H
g5.xlarge,A10G,1.0,4.0,16.0,ab\"c,1.006,0.4,us-east-1,use1-az1
"
case_ text-after-quote "$H
g5.xlarge,A10G,1.0,4.0,16.0,\"x\"y,1.006,0.4,us-east-1,use1-az1
"
case_ too-few-fields "$H
g5.xlarge,A10G,1.0,4.0,16.0,,1.006,0.4,us-east-1
"
case_ price-not-a-number "$H
g5.xlarge,A10G,1.0,4.0,16.0,,1.0o6,0.4,us-east-1,use1-az1
"
case_ negative-spot "$H
g5.xlarge,A10G,1.0,4.0,16.0,,1.006,-0.4,us-east-1,use1-az1
"
case_ no-memory "$H
g5.xlarge,A10G,1.0,4.0,,,1.006,0.4,us-east-1,use1-az1
"
case_ no-region "$H
g5.xlarge,A10G,1.0,4.0,16.0,,1.006,0.4,,use1-az1
"
case_ accelerator-without-count "$H
g5.xlarge,A10G,,4.0,16.0,,1.006,0.4,us-east-1,use1-az1
"
case_ hardware-differs "$H
g5.xlarge,A10G,1.0,4.0,16.0,,1.006,0.4,us-east-1,use1-az1
g5.xlarge,A10G,2.0,4.0,16.0,,1.006,0.4,us-west-2,usw2-az1
"
case_ unknown-accelerators "$H
g5.xlarge,A10G,1.0,4.0,16.0,,1.006,0.4,us-east-1,use1-az1
inf2.xlarge,Inferentia2,1.0,4.0,16.0,,0.7582,0.2,us-east-1,use1-az1
trn1.2xlarge,Trainium,1.0,8.0,32.0,,1.3438,,us-east-1,use1-az1
"
case_ nothing-left "$H
inf2.xlarge,Inferentia2,1.0,4.0,16.0,,0.7582,0.2,us-east-1,use1-az1
" --skip-unknown
case_ name-with-space "$H
g5 xlarge,A10G,1.0,4.0,16.0,,1.006,0.4,us-east-1,use1-az1
"
case_ bare-carriage-return "$(printf '%s\rg5.xlarge' "$H")"
mkdir -p "$d/My Clouds"
printf '%s\n' "$H" > "$d/My Clouds/vms.csv"
echo "== provider-not-named"
out=$($FEDPLAN catalog import skypilot "$d/My Clouds/vms.csv" 2>&1 >/dev/null)
rc=$?
printf '%s\n' "$out" | sed "s|$d/||g"
echo "exit $rc"
echo "== bad-date"
$FEDPLAN catalog import skypilot "$d/aws/vms.csv" --date 2026-13-01 2>&1 >/dev/null
echo "exit $?"
echo "== bad-format"
$FEDPLAN catalog import csv "$d/aws/vms.csv" 2>&1 >/dev/null
echo "exit $?"
echo "== output-is-input"
out=$($FEDPLAN catalog import skypilot "$d/aws/vms.csv" -o "$d/aws/vms.csv" 2>&1 >/dev/null)
rc=$?
printf '%s\n' "$out" | sed "s|$d/||g"
echo "exit $rc"
