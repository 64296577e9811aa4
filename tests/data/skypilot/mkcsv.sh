#!/bin/sh
# mkcsv.sh DIR: writes DIR/aws/vms.csv, a small price table in the column layout of SkyPilot's
# published catalogs (skypilot-org/skypilot-catalog catalogs/v7/aws/vms.csv: the header, the
# quoted GpuInfo text holding commas, one row per region and availability zone, empty Price or
# SpotPrice where a region has none).  The prices are test figures, not quotes.
set -eu
mkdir -p "$1/aws"
g() { # GpuInfo as SkyPilot writes it: NAME COUNT MIB
    printf '"{'"'"'Gpus'"'"': [{'"'"'Name'"'"': '"'"'%s'"'"', '"'"'Manufacturer'"'"': '"'"'NVIDIA'"'"', '"'"'Count'"'"': %s, '"'"'MemoryInfo'"'"': {'"'"'SizeInMiB'"'"': %s}}], '"'"'TotalGpuMemoryInMiB'"'"': %s}"' "$1" "$2" "$3" "$(($2 * $3))"
}
{
    echo 'InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,AvailabilityZone'
    echo 'c1.medium,,,2.0,1.69921875,,0.13,0.0371,us-east-1,use1-az1'
    echo 'c1.medium,,,2.0,1.69921875,,0.148,0.0367,us-west-1,usw1-az1'
    for z in 1 2; do echo "g5.xlarge,A10G,1.0,4.0,16.0,$(g A10G 1 22888),1.006,0.4$z,us-east-1,use1-az$z"; done
    echo "g5.xlarge,A10G,1.0,4.0,16.0,$(g A10G 1 22888),1.258,,eu-west-1,euw1-az1"
    echo "g5.12xlarge,A10G,4.0,48.0,192.0,$(g A10G 4 22888),5.672,2.1,us-east-1,use1-az1"
    echo "g5.12xlarge,A10G,4.0,48.0,192.0,$(g A10G 4 22888),5.672,1.9,us-west-2,usw2-az1"
    echo "g6.xlarge,L4,1.0,4.0,16.0,$(g L4 1 22888),0.8048,0.35,us-east-1,use1-az1"
    echo "g6.xlarge,L4,1.0,4.0,16.0,$(g L4 1 22888),,0.30,ap-south-1,aps1-az1"
    echo "p4d.24xlarge,A100,8.0,96.0,1152.0,$(g A100 8 40960),32.7726,,us-east-1,use1-az1"
    echo 'inf2.xlarge,Inferentia2,1.0,4.0,16.0,,0.7582,0.2,us-east-1,use1-az1'
} > "$1/aws/vms.csv"
