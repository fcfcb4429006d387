#!/usr/bin/env bash
# Regenerates the committed Fashion-MNIST sample (trainer/src/main/resources/datasets/fashion-mnist-sample):
# 400 images per class from the training set and 100 per class from the t10k set, seed 42.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_dir="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
out_dir="${repo_root}/trainer/src/main/resources/datasets/fashion-mnist-sample"

if [[ ! -d "${source_dir}" ]]; then
  if [[ "${source_dir}" != /usr/share/datasets/fashion-mnist ]]; then
    echo "FASHION_MNIST_DIR=${source_dir} does not exist" >&2
    exit 1
  fi
  sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then
    sudo="sudo"
  fi
  ${sudo} apt-get update
  ${sudo} apt-get install -y dataset-fashion-mnist
fi

cd "${repo_root}"
# exec:java below runs in a one-module reactor, which resolves model and the parent pom from the local repository
mvn -q -N install
mvn -q -pl trainer -am install -DskipTests
mvn -q -pl trainer exec:java \
  -Dexec.mainClass=dev.streamclassify.trainer.dataset.SampleMaker \
  -Dexec.args="'${source_dir}' '${out_dir}' 400 100 42"
