package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"rapport/server/store"
)

// runUser handles "rapport user create" and "rapport user role".
func (m *Main) runUser(ctx context.Context, args []string) error {
	switch {
	case len(args) > 0 && args[0] == "create":
		return m.runUserCreate(ctx, args[1:])
	case len(args) > 0 && args[0] == "role":
		return m.runUserRole(ctx, args[1:])
	}
	return usageError("user takes the subcommand create or role")
}

// runUserRole handles "rapport user role --email E --role R": it changes the role and records
// the change in the audit log.
func (m *Main) runUserRole(ctx context.Context, args []string) error {
	var dataDir, db, email, role string
	fs := flag.NewFlagSet("user role", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	dbFlags(fs, &dataDir, &db, envOr(m.getenv))
	fs.StringVar(&email, "email", "", "the account's email address")
	fs.StringVar(&role, "role", "", "trainee or director")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if email == "" || (role != store.RoleTrainee && role != store.RoleDirector) {
		return usageError("user role needs --email and --role trainee|director")
	}
	st, err := store.Open(dbPath(dataDir, db), m.now)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.SetRole(ctx, nil, email, role)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no account has the email %s", email)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(m.stdout, "%s <%s> is now a %s\n", u.Name, u.Email, role)
	return nil
}

// runUserCreate handles "rapport user create --email E --name N --role R", reading the password
// from the first line of standard input so it never appears in the process list or shell history.
func (m *Main) runUserCreate(ctx context.Context, args []string) error {
	var dataDir, db, email, name, role string
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	dbFlags(fs, &dataDir, &db, envOr(m.getenv))
	fs.StringVar(&email, "email", "", "the account's email address")
	fs.StringVar(&name, "name", "", "the person's name")
	fs.StringVar(&role, "role", store.RoleTrainee, "trainee or director")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if email == "" || name == "" {
		return usageError("user create needs --email and --name")
	}
	if role != store.RoleTrainee && role != store.RoleDirector {
		return usageError("--role must be trainee or director")
	}
	fmt.Fprintln(m.stderr, "Password (one line on standard input):")
	line, err := bufio.NewReader(m.stdin).ReadString('\n')
	password := strings.TrimRight(line, "\r\n")
	if err != nil && password == "" {
		return errors.New("no password on standard input")
	}
	if len(password) < 8 || len(password) > 72 {
		return errors.New("the password must be 8 to 72 bytes long")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), max(m.bcryptCost, bcrypt.DefaultCost))
	if err != nil {
		return err
	}
	st, err := store.Open(dbPath(dataDir, db), m.now)
	if err != nil {
		return err
	}
	defer st.Close()
	u := &store.User{Email: email, Name: name, Role: role, PasswordHash: string(hash)}
	if err := st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("an account with email %s already exists", u.Email)
		}
		return err
	}
	if err := st.Audit(ctx, nil, "user.create", u.Email, "role "+role); err != nil {
		return err
	}
	fmt.Fprintf(m.stdout, "Created %s %s <%s>\n", role, u.Name, u.Email)
	return nil
}
