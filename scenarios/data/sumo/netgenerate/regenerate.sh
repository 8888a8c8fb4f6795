#!/bin/sh
# Remakes both netgenerate scenarios with Debian's SUMO 1.15 (apt-get install sumo sumo-tools).
# Deterministic (fixed seeds): a rerun differs only in the header comments (date, paths).
set -e
export SUMO_HOME="${SUMO_HOME:-/usr/share/sumo}"
cd "$(dirname "$0")"
cfg() {
  printf '<configuration>\n  <input>\n    <net-file value="%s.net.xml"/>\n    <route-files value="%s.rou.xml"/>\n  </input>\n  <time>\n    <begin value="0"/>\n    <end value="3600"/>\n  </time>\n</configuration>\n' "$1" "$1" > "$1/$1.sumocfg"
}
# 5×5 grid, 200 m blocks, 200 m stubs to the border, 2 lanes each way, signals guessed (the 25 four-leg junctions)
netgenerate --grid --grid.number 5 --grid.length 200 --grid.attach-length 200 -L 2 --tls.guess --seed 42 -o grid5x5/grid5x5.net.xml
python3 "$SUMO_HOME/tools/randomTrips.py" -n grid5x5/grid5x5.net.xml -e 3600 -p 1.6 --seed 42 --fringe-factor 20 --min-distance 600 \
  -r grid5x5/grid5x5.rou.xml -o /tmp/grid5x5.trips.xml --validate
cfg grid5x5
# 6×3 grid, 300 m × 150 m blocks, 200 m stubs, 3 lanes each way, signals guessed (18)
netgenerate --grid --grid.x-number 6 --grid.y-number 3 --grid.x-length 300 --grid.y-length 150 --grid.attach-length 200 -L 3 --tls.guess --seed 42 -o grid6x3/grid6x3.net.xml
python3 "$SUMO_HOME/tools/randomTrips.py" -n grid6x3/grid6x3.net.xml -e 3600 -p 1.1 --seed 42 --fringe-factor 20 --min-distance 500 \
  -r grid6x3/grid6x3.rou.xml -o /tmp/grid6x3.trips.xml --validate
cfg grid6x3
rm -f /tmp/grid5x5.trips.xml /tmp/grid6x3.trips.xml
