package bundle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Product describes what the vendor tested: it is product.yaml in the bundle.
type Product struct {
	Product string
	Version string
	Vendor  string
	Contact string
}

// productKeys are product.yaml's keys, in the order written.
var productKeys = []string{"product", "version", "vendor", "contact"}

func (p *Product) field(key string) *string {
	switch key {
	case "product":
		return &p.Product
	case "version":
		return &p.Version
	case "vendor":
		return &p.Vendor
	case "contact":
		return &p.Contact
	}
	return nil
}

// ReadProductFile reads a product file: flat "key: value" lines (a small YAML subset), with
// # comments and blank lines; a value may be "double" or 'single' quoted. Four keys, one
// level, no lists: a hand-written reader of a few lines does it, where a YAML library would
// be a dependency for nothing (and would accept far more than a product file needs).
func ReadProductFile(path string) (Product, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Product{}, fmt.Errorf("product file: %w", err)
	}
	p, err := ParseProduct(data)
	if err != nil {
		return Product{}, fmt.Errorf("product file %s: %w", path, err)
	}
	return p, nil
}

// ParseProduct reads the product file format (see ReadProductFile), reporting every problem
// at once, each with its line.
func ParseProduct(data []byte) (Product, error) {
	var (
		p    Product
		errs []error
		seen = map[string]int{}
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") || t == "---" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			errs = append(errs, fmt.Errorf("line %d: indented; a product file is flat key: value lines", n))
			continue
		}
		key, raw, ok := strings.Cut(line, ":")
		key = strings.TrimSpace(key)
		f := p.field(key)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("line %d: %q is not key: value", n, line))
			continue
		case f == nil:
			errs = append(errs, fmt.Errorf("line %d: unknown key %q; the keys are %s", n, key, strings.Join(productKeys, ", ")))
			continue
		case seen[key] > 0:
			errs = append(errs, fmt.Errorf("line %d: %s given again (first on line %d)", n, key, seen[key]))
			continue
		}
		seen[key] = n
		v, err := scalar(strings.TrimSpace(raw))
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %s: %w", n, key, err))
			continue
		}
		*f = v
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return p, errors.Join(errs...)
}

// scalar is a YAML scalar on one line: quoted, or plain up to a " #" comment.
func scalar(s string) (string, error) {
	switch {
	case strings.HasPrefix(s, `"`):
		end := closingQuote(s)
		if end < 0 {
			return "", errors.New("unterminated double-quoted value")
		}
		if rest := strings.TrimSpace(s[end+1:]); rest != "" && !strings.HasPrefix(rest, "#") {
			return "", fmt.Errorf("text after the quoted value: %q", rest)
		}
		v, err := strconv.Unquote(s[:end+1])
		if err != nil {
			return "", fmt.Errorf("bad escape in the double-quoted value: %w", err)
		}
		return v, nil
	case strings.HasPrefix(s, "'"):
		// In single quotes '' is a quote and nothing else is an escape.
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] != '\'' {
				b.WriteByte(s[i])
				continue
			}
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			if rest := strings.TrimSpace(s[i+1:]); rest != "" && !strings.HasPrefix(rest, "#") {
				return "", fmt.Errorf("text after the quoted value: %q", rest)
			}
			return b.String(), nil
		}
		return "", errors.New("unterminated single-quoted value")
	}
	if i := strings.Index(s, " #"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if s != "" && strings.ContainsRune("[{&*!|>%@`", rune(s[0])) {
		return "", fmt.Errorf("%q: quote a value that starts with %q", s, s[0])
	}
	return s, nil
}

// closingQuote is the index of the quote closing a double-quoted string, or -1.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// Merge fills p's empty fields from o: flags given on the command line win over the file.
func (p Product) Merge(o Product) Product {
	for _, k := range productKeys {
		if f := p.field(k); *f == "" {
			*f = *o.field(k)
		}
	}
	return p
}

// Missing names the fields a bundle needs and p lacks, as the flags that give them.
func (p Product) Missing() []string {
	var out []string
	for k, flagName := range map[string]string{"product": "--product", "version": "--product-version", "vendor": "--vendor"} {
		if *p.field(k) == "" {
			out = append(out, flagName+" (or "+k+": in --product-file)")
		}
	}
	sort.Strings(out)
	return out
}

// YAML writes p as a product file, every value double-quoted so that any text reads back.
func (p Product) YAML() []byte {
	var b bytes.Buffer
	b.WriteString("# What the vendor tested, as the vendor describes it.\n")
	for _, k := range productKeys {
		fmt.Fprintf(&b, "%s: %s\n", k, strconv.Quote(*p.field(k)))
	}
	return b.Bytes()
}
