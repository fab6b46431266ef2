#!/usr/bin/env bash
# Makes the development certificates that config/ms_coordinator_tls.json and the TLS tests use.
#
#   config/make-dev-certs.sh [DIR]      (DIR defaults to config/certs, which git ignores)
#
# Idempotent: when DIR already holds a complete set whose server certificate is still valid for a
# day, nothing is made again (so running servers and curl commands keep working); FORCE=1 makes a
# fresh set. Needs only openssl (1.1.1 or 3.x). These certificates are for development only: the
# keys are unencrypted (except server-enc.key) and the passwords are printed below.
set -euo pipefail

dir="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/certs}"
p12_password="devpass"
key_password="devpass"
made=(ca.pem ca.key server.pem server.key server-pkcs1.key server-enc.key server.p12
  controller.pem controller.key controller-sec1.key other-ca.pem other-client.pem other-client.key
  expired.pem expired.key revoked.pem revoked.key crl.pem)

mkdir -p "$dir"
cd "$dir"

complete=1
for f in "${made[@]}"; do [[ -s "$f" ]] || complete=0; done
if [[ "${FORCE:-0}" != "1" && $complete == 1 ]] && openssl x509 -in server.pem -noout -checkend 86400 >/dev/null; then
  echo "dev certs already present in $dir (FORCE=1 $0 $* to make them again)"
  exit 0
fi

rm -rf ca-db other-ca-db "${made[@]}"

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# $1 = name of the CA files, $2 = subject, $3 = database directory
make_ca() {
  ec_key "$1.key"
  openssl req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "$2" -out "$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
  mkdir -p "$3/newcerts"
  : >"$3/index.txt"
  echo 1000 >"$3/serial"
  echo 1000 >"$3/crlnumber"
  cat >"$3/ca.cnf" <<CNF
[ ca ]
default_ca = dev_ca
[ dev_ca ]
dir = $dir/$3
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $dir/$1.pem
private_key = $dir/$1.key
default_md = sha256
default_days = 825
default_crl_days = 3650
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
[ server_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1,DNS:localhost
[ client_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
}

# $1 = database directory, $2 = key file, $3 = subject, $4 = extension section, $5 = output, rest = extra ca options
sign() {
  local db=$1 key=$2 subj=$3 ext=$4 out=$5
  shift 5
  openssl req -new -key "$key" -subj "$subj" -out "$out.csr"
  openssl ca -batch -notext -config "$db/ca.cnf" -extensions "$ext" -in "$out.csr" -out "$out" "$@" 2>/dev/null
  rm -f "$out.csr"
}

make_ca ca "/O=ms-coordinator dev/CN=ms-coordinator dev CA" ca-db
make_ca other-ca "/O=somebody else/CN=other dev CA" other-ca-db

# Server: RSA so that the PKCS#1 and encrypted PKCS#8 forms of the same key can be shipped too.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server.key 2>/dev/null
openssl pkey -in server.key -traditional -out server-pkcs1.key
openssl pkcs8 -topk8 -in server.key -v2 aes-256-cbc -passout "pass:$key_password" -out server-enc.key
sign ca-db server.key "/O=ms-coordinator dev/CN=localhost" server_ext server.pem
# Alias "ms-coordinator", not Helidon's default "1": the loader must find the key entry itself.
openssl pkcs12 -export -name ms-coordinator -inkey server.key -in server.pem -certfile ca.pem \
  -passout "pass:$p12_password" -out server.p12

# The controller: the one legitimate client of the manage listener (SEC1 form kept as well).
ec_key controller.key
openssl pkey -in controller.key -traditional -out controller-sec1.key
sign ca-db controller.key "/O=ms-coordinator dev/CN=controller" client_ext controller.pem

ec_key other-client.key
sign other-ca-db other-client.key "/O=somebody else/CN=controller" client_ext other-client.pem

# Expired a long time ago: openssl ca takes explicit start and end dates.
ec_key expired.key
sign ca-db expired.key "/O=ms-coordinator dev/CN=expired controller" client_ext expired.pem \
  -startdate 20200101000000Z -enddate 20200102000000Z

ec_key revoked.key
sign ca-db revoked.key "/O=ms-coordinator dev/CN=revoked controller" client_ext revoked.pem
openssl ca -config ca-db/ca.cnf -revoke revoked.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -config ca-db/ca.cnf -gencrl -out crl.pem 2>/dev/null

chmod 600 ./*.key server.p12
echo "dev certs made in $dir:"
echo "  ca.pem, ca.key                 dev CA (trust this one; ca_cert of the TLS config)"
echo "  server.pem, server.key         server cert for 127.0.0.1 / localhost (SAN IP + DNS), RSA, PKCS#8"
echo "  server-pkcs1.key               the same key as PKCS#1 (BEGIN RSA PRIVATE KEY)"
echo "  server-enc.key                 the same key, encrypted PKCS#8, password: $key_password"
echo "  server.p12                     server key + cert + CA, PKCS12, alias ms-coordinator, password: $p12_password"
echo "  controller.pem, controller.key client cert (the controller), signed by the dev CA"
echo "  controller-sec1.key            the same key as SEC1 (BEGIN EC PRIVATE KEY)"
echo "  other-ca.pem, other-client.*   client cert signed by a different CA (must be refused)"
echo "  expired.pem, expired.key       client cert valid 2020-01-01..2020-01-02 (must be refused)"
echo "  revoked.pem, revoked.key       client cert listed in crl.pem (must be refused when tls_crl is set)"
echo "  crl.pem                        CRL of the dev CA"
