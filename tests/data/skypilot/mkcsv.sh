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

# DIR/gcp/vms.csv: the column layout of catalogs/v7/gcp/vms.csv.  GCP bills a machine type and its
# GPUs apart: the a2/g2 rows carry no AcceleratorName and hold the VM's price; the GPUs' prices are
# rows without an InstanceType, one per AcceleratorCount.  The figures are the 2025 us-central1
# ones (VM + GPU = the whole machine type's price); europe-west4 has no A100 row here on purpose.
mkdir -p "$1/gcp"
{
    echo 'InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,AvailabilityZone,Price,SpotPrice'
    for z in a b; do echo "a2-highgpu-1g,12.0,85.0,,,,us-central1,us-central1-$z,0.73948,0.29576"; done
    echo 'a2-highgpu-1g,12.0,85.0,,,,europe-west4,europe-west4-a,0.81406,0.31824'
    echo 'g2-standard-24,24.0,96.0,,,,us-central1,us-central1-a,0.88075,0.35226'
    echo 'n1-standard-8,8.0,30.0,,,,us-central1,us-central1-a,0.379998,0.08'
    echo ',,,A100,1.0,,us-central1,us-central1-a,2.93391,0.9976'
    echo ',,,A100,1.0,,us-central1,us-central1-b,2.93391,0.9976'
    echo ',,,A100,2.0,,us-central1,us-central1-a,5.86782,1.9952'
    echo ',,,L4,2.0,,us-central1,us-central1-a,1.12008,0.43'
    echo ',,,tpu-v6e-16,1,tpu-v6e-16,us-central1,us-central1-b,43.2,10.37331'
} > "$1/gcp/vms.csv"

# DIR/gcp-odd/vms.csv: what the reader must not take as it stands: an a3 machine whose GPU rows
# SkyPilot spells H100-80GB (older catalogs), an a2-highgpu-8g with no A100 row anywhere (a GPU
# row the fetcher dropped: left out, never imported without a price), and a g4 machine type
# fedplan has no GPU table for (left out and named, never read as a machine without GPUs).
mkdir -p "$1/gcp-odd"
{
    echo 'InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,AvailabilityZone,Price,SpotPrice'
    echo 'a3-highgpu-8g-nolssd,208.0,1872.0,,,,us-central1,us-central1-a,9.46006,2.17547'
    echo 'a2-highgpu-8g,96.0,680.0,,,,us-central1,us-central1-a,5.91582,2.36604'
    echo 'g4-standard-48,48.0,180.0,,,,us-central1,us-central1-a,4.5,1.8'
    echo ',,,H100-80GB,8.0,,us-central1,us-central1-a,79.03,33.22'
} > "$1/gcp-odd/vms.csv"
