#!/usr/bin/env bash
# Train the assistant only when its inputs changed: the model's name carries a hash of the config,
# domain, training data, custom components, dictionary and requirements. Prints the model's path.
#   scripts/train-bot.sh [config.yml|config.test.yml]
set -euo pipefail
cd "$(dirname "$0")/../bot"
config=${1:-config.yml}
hash=$( { echo "$config"; cat "$config" requirements.txt;
          find domain data components dictionary -type f \( -name '*.yml' -o -name '*.py' -o -name '*.txt' \) \
            -not -path '*/__pycache__/*' | LC_ALL=C sort | while read -r f; do echo "$f"; cat "$f"; done; } \
        | sha256sum | cut -c1-16)
prefix=$(basename "$config" .yml | tr . _)  # Rasa cuts a model name at its first dot
name="$prefix-$hash"
model="models/$name.tar.gz"
if [ -f "$model" ]; then
  echo "assistant model is up to date: bot/$model" >&2
else
  echo "training the assistant ($config; inputs changed or no model yet) ..." >&2
  export RASA_TELEMETRY_ENABLED=false
  start=$(date +%s)
  .venv/bin/rasa train --domain domain --data data -c "$config" --out models --fixed-model-name "$name" >&2
  echo "trained in $(( $(date +%s) - start )) s: bot/$model" >&2
  # Keep only the newest model of each config.
  find models -name "$prefix-*.tar.gz" ! -name "$name.tar.gz" -delete
fi
echo "$PWD/$model"
