package bundle

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
)

// Keys are PEM files, as OpenSSL writes them:
//
//	openssl genpkey -algorithm ed25519 -out vendor.key        # private: "PRIVATE KEY", PKCS #8
//	openssl pkey -in vendor.key -pubout -out vendor.pub       # public: "PUBLIC KEY", PKIX
//
// The standard library reads both, so no other format is needed.

// ReadPrivateKey reads an ed25519 private key from a PEM "PRIVATE KEY" (PKCS #8) file.
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	block, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: a %T, want an ed25519 key (openssl genpkey -algorithm ed25519)", path, k)
	}
	return priv, nil
}

// ReadPublicKey reads an ed25519 public key from a PEM "PUBLIC KEY" (PKIX) file.
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	block, err := readPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("key %s: a %T, want an ed25519 public key (openssl pkey -in vendor.key -pubout)", path, k)
	}
	return pub, nil
}

func readPEM(path, kind string) (*pem.Block, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, fmt.Errorf("key %s: no PEM %q block in it", path, kind)
		}
		if block.Type == kind {
			return block, nil
		}
	}
}

// Fingerprint names a public key as OpenSSH does: SHA256: and the unpadded base64 of the
// SHA-256 of the key's bytes.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}
