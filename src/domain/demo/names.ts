// Name and street data for the deterministic demo-district generator.
// Plausible, diverse names for students, guardians and staff in a US district; street words for addresses.
// Plain data only: no logic, no real people. Hand-written lists.

export interface NameGroup {
  /** short id, e.g. 'hispanic' */
  id: string;
  /** relative share of families in a typical mid-size US district (weights need not sum to 100) */
  weight: number;
  /** share (0..1) of families in this group whose household prefers Spanish for school communication */
  spanishPreferred: number;
  female: readonly string[];
  male: readonly string[];
  surnames: readonly string[];
}

export const NAME_GROUPS: readonly NameGroup[] = [
  {
    id: 'anglo',
    weight: 48,
    spanishPreferred: 0,
    female: [
      'Abigail', 'Addison', 'Allison', 'Amy', 'Angela', 'Anna', 'Annika', 'Audrey', 'Avery', 'Bailey',
      'Brooke', 'Brynn', 'Caroline', 'Charlotte', 'Christine', 'Claire', 'Colleen', 'Courtney', 'Deborah', 'Delaney',
      'Eleanor', 'Elizabeth', 'Ella', 'Emily', 'Emma', 'Erin', 'Evelyn', 'Faith', 'Francesca', 'Gianna',
      'Grace', 'Greta', 'Hailey', 'Hannah', 'Harper', 'Heather', 'Heidi', 'Ingrid', 'Jennifer', 'Julia',
      'Kaitlyn', 'Karen', 'Katherine', 'Katie', 'Kelsey', 'Kennedy', 'Kimberly', 'Kinsley', 'Kristen', 'Laura',
      'Lauren', 'Leah', 'Lena', 'Lillian', 'Linda', 'Lisa', 'Lucy', 'Madison', 'Maeve', 'Margaret',
      'Marissa', 'Megan', 'Melissa', 'Michelle', 'Molly', 'Morgan', 'Natalie', 'Nicole', 'Nora', 'Paige',
      'Patricia', 'Quinn', 'Rachel', 'Reagan', 'Rebecca', 'Riley', 'Rose', 'Samantha', 'Sarah', 'Savannah',
      'Shannon', 'Sienna', 'Sophia', 'Stella', 'Stephanie', 'Susan', 'Taylor', 'Teresa', 'Violet', 'Wren',
    ],
    male: [
      'Adam', 'Aiden', 'Andrew', 'Benjamin', 'Brady', 'Brandon', 'Brett', 'Brian', 'Caleb', 'Carter',
      'Charles', 'Christopher', 'Cole', 'Colin', 'Connor', 'Craig', 'Daniel', 'David', 'Declan', 'Derek',
      'Dominic', 'Douglas', 'Dustin', 'Dylan', 'Edward', 'Eric', 'Erik', 'Finn', 'Gary', 'Gavin',
      'George', 'Gerald', 'Grant', 'Gregory', 'Henry', 'Hudson', 'Hunter', 'Jack', 'Jacob', 'James',
      'Jason', 'Jeffrey', 'Joel', 'John', 'Jonathan', 'Joseph', 'Karl', 'Keith', 'Kevin', 'Kyle',
      'Landon', 'Lars', 'Liam', 'Lincoln', 'Logan', 'Lucas', 'Luke', 'Marco', 'Mark', 'Matthew',
      'Michael', 'Nathan', 'Nicholas', 'Nils', 'Nolan', 'Oliver', 'Owen', 'Patrick', 'Paul', 'Peter',
      'Richard', 'Robert', 'Ryan', 'Samuel', 'Scott', 'Sean', 'Seth', 'Shane', 'Stanley', 'Stephen',
      'Steven', 'Thomas', 'Timothy', 'Todd', 'Travis', 'Tyler', 'Vincent', 'Walter', 'Wesley', 'William',
      'Wyatt',
    ],
    surnames: [
      'Smith', 'Johnson', 'Miller', 'Anderson', 'Wilson', 'Taylor', 'Thomas', 'Moore', 'Martin', 'Thompson',
      'White', 'Clark', 'Walker', 'Hall', 'Allen', 'Young', 'King', 'Wright', 'Scott', 'Green',
      'Baker', 'Adams', 'Nelson', 'Hill', 'Campbell', 'Mitchell', 'Roberts', 'Carter', 'Phillips', 'Evans',
      'Turner', 'Parker', 'Collins', 'Edwards', 'Stewart', 'Morris', 'Murphy', 'Cook', 'Rogers', 'Cooper',
      'Peterson', 'Bailey', 'Reed', 'Kelly', 'Howard', 'Ward', 'Richardson', 'Wood', 'Watson', 'Bennett',
      'Gray', 'Hughes', 'Price', 'Sanders', 'Myers', 'Long', 'Ross', 'Foster', 'Powell', 'Perry',
      'Russell', 'Sullivan', 'Fisher', 'Henderson', "O'Brien", "O'Connor", 'McCarthy', 'Gallagher', 'Fitzgerald', 'Byrne',
      'Doyle', 'Walsh', 'Quinn', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Becker', 'Hoffman', 'Wagner',
      'Schultz', 'Krueger', 'Meyer', 'Zimmerman', 'Klein', 'Hansen', 'Larson', 'Olson', 'Nielsen', 'Lindquist',
      'Carlson', 'Swanson', 'Lundgren', 'Berg', 'Russo', 'Romano', 'Esposito', 'Ricci', 'Marino', 'Bruno',
      'Conti', 'DeLuca', 'Rossi', 'Kowalski', 'Nowak', 'Wisniewski', 'Lewandowski', 'Kaminski', 'Zielinski', 'Mazur',
    ],
  },
  {
    id: 'hispanic',
    weight: 26,
    spanishPreferred: 0.45,
    female: [
      'María', 'Sofía', 'Valentina', 'Camila', 'Isabella', 'Lucía', 'Ximena', 'Valeria', 'Daniela', 'Gabriela',
      'Mariana', 'Natalia', 'Andrea', 'Alejandra', 'Paola', 'Fernanda', 'Renata', 'Regina', 'Victoria', 'Guadalupe',
      'Rosa', 'Carmen', 'Ana', 'Elena', 'Adriana', 'Verónica', 'Claudia', 'Mónica', 'Patricia', 'Leticia',
      'Yesenia', 'Maribel', 'Araceli', 'Beatriz', 'Esperanza', 'Graciela', 'Luz', 'Marisol', 'Norma', 'Silvia',
      'Teresa', 'Yolanda', 'Alondra', 'Itzel', 'Jimena', 'Nayeli', 'Karla', 'Brenda', 'Estrella', 'Abril',
      'Julieta', 'Emilia', 'Catalina', 'Paloma', 'Esmeralda', 'Jazmín', 'Génesis', 'Dulce', 'Fátima', 'Lorena',
      'Rocío', 'Inés', 'Liliana', 'Diana', 'Cecilia', 'Marcela', 'Alicia', 'Angélica', 'Josefina', 'Raquel',
    ],
    male: [
      'José', 'Juan', 'Luis', 'Carlos', 'Jorge', 'Miguel', 'Alejandro', 'Diego', 'Santiago', 'Mateo',
      'Sebastián', 'Emiliano', 'Leonardo', 'Daniel', 'David', 'Ángel', 'Jesús', 'Francisco', 'Antonio', 'Manuel',
      'Ricardo', 'Fernando', 'Javier', 'Eduardo', 'Roberto', 'Raúl', 'Rubén', 'Sergio', 'Arturo', 'Héctor',
      'Óscar', 'Andrés', 'Julián', 'Joaquín', 'Tomás', 'Nicolás', 'Gael', 'Iker', 'Rodrigo', 'Adrián',
      'Martín', 'Pablo', 'Ramón', 'Rafael', 'Enrique', 'Alberto', 'Gerardo', 'Gustavo', 'Guillermo', 'Ignacio',
      'Jaime', 'Marco', 'Mario', 'Omar', 'Pedro', 'Salvador', 'Víctor', 'Armando', 'Alfredo', 'Ernesto',
      'Esteban', 'Emmanuel', 'Cristian', 'Bryan', 'Hugo', 'Lorenzo', 'Maximiliano', 'Thiago', 'Aarón', 'Isaac',
    ],
    surnames: [
      'García', 'Rodríguez', 'Martínez', 'Hernández', 'López', 'González', 'Pérez', 'Sánchez', 'Ramírez', 'Torres',
      'Flores', 'Rivera', 'Gómez', 'Díaz', 'Reyes', 'Morales', 'Cruz', 'Ortiz', 'Gutiérrez', 'Chávez',
      'Ramos', 'Ruiz', 'Álvarez', 'Mendoza', 'Vásquez', 'Castillo', 'Jiménez', 'Moreno', 'Romero', 'Herrera',
      'Medina', 'Aguilar', 'Vargas', 'Guzmán', 'Muñoz', 'Peña', 'Castro', 'Delgado', 'Ortega', 'Contreras',
      'Domínguez', 'Guerrero', 'Estrada', 'Salazar', 'Soto', 'Vega', 'Rojas', 'Navarro', 'Campos', 'Cervantes',
      'Fuentes', 'Molina', 'Sandoval', 'Juárez', 'Luna', 'Ibarra', 'Ávila', 'Cárdenas', 'Espinoza', 'Figueroa',
      'Rosales', 'Valdez', 'Acosta', 'Mejía', 'Orozco', 'Villarreal', 'Zamora', 'Cortez', 'Velázquez', 'Trujillo',
      'Serrano', 'Maldonado', 'Lara', 'Pacheco', 'Salinas', 'Marín', 'Núñez', 'Quintero', 'Padilla', 'Solís',
      'Cabrera', 'Barrera', 'Beltrán', 'Bautista', 'Córdova', 'Escobar', 'Galindo', 'Ochoa', 'Tapia', 'Miranda',
    ],
  },
  {
    id: 'black',
    weight: 14,
    spanishPreferred: 0,
    female: [
      'Aaliyah', 'Amara', 'Imani', 'Jada', 'Jasmine', 'Kiara', 'Nia', 'Aniyah', 'Destiny', 'Ebony',
      'Tiana', 'Kayla', 'Makayla', 'Janelle', 'Keisha', 'LaToya', 'Tamika', 'Shanice', 'Monique', 'Dominique',
      'Ayanna', 'Zuri', 'Zariah', 'Nevaeh', 'Kennedi', 'Londyn', 'Harmony', 'Journee', 'Nyla', 'Ciara',
      'Raven', 'Tanisha', 'Yolanda', 'Gloria', 'Denise', 'Tamara', 'Angela', 'Crystal', 'Erica', 'Felicia',
      'Latasha', 'LaShonda', 'Sharon', 'Brianna', 'Alexis', 'Jordyn', 'Sanaa', 'Amani', 'Kendra', 'Maya',
      'Naomi', 'Trinity', 'Serenity', 'Essence', 'Deja', 'Danielle', 'Tiara', 'Shayla', 'Precious', 'Whitney',
      'Brittany', 'Cheryl', 'Regina', 'Vanessa', 'Valerie', 'Yvonne', 'Octavia', 'Janae', 'Jamila', 'Laila',
    ],
    male: [
      'Jamal', 'Malik', 'Darnell', 'DeShawn', 'Terrell', 'Tyrone', 'Andre', 'Marcus', 'Darius', 'Jalen',
      'Isaiah', 'Elijah', 'Josiah', 'Jeremiah', 'Xavier', 'Cameron', 'Jordan', 'Jayden', 'Kendrick', 'Kareem',
      'Rashad', 'Reginald', 'Cedric', 'Dwayne', 'Lamar', 'Maurice', 'Terrance', 'Trevon', 'Demetrius', 'Jerome',
      'Curtis', 'Derrick', 'Antoine', 'Quincy', 'Roderick', 'Alonzo', 'Cornelius', 'Desmond', 'Donovan', 'Khalil',
      'Langston', 'Marquis', 'Micah', 'Nathaniel', 'Omari', 'Tariq', 'Tremaine', 'Zion', 'Amir', 'Bryce',
      'Darryl', 'Devin', 'Dorian', 'Ezekiel', 'Jamari', 'Kingston', 'Major', 'Caleb', 'Christian', 'Brandon',
      'Anthony', 'Michael', 'Keith', 'Calvin', 'Clarence', 'Otis', 'Leon', 'Vernon', 'Julius', 'Malcolm',
    ],
    surnames: [
      'Washington', 'Jefferson', 'Jackson', 'Johnson', 'Williams', 'Brown', 'Jones', 'Davis', 'Harris', 'Robinson',
      'Thomas', 'Walker', 'Banks', 'Booker', 'Gaines', 'Mosley', 'Dorsey', 'Freeman', 'Glover', 'Hairston',
      'Joyner', 'Lofton', 'Mayfield', 'Pettaway', 'Rucker', 'Simmons', 'Tate', 'Whitfield', 'Battle', 'Blackwell',
      'Boykin', 'Bradley', 'Bryant', 'Coleman', 'Dixon', 'Ellis', 'Franklin', 'Gordon', 'Graham', 'Hayes',
      'Holmes', 'Hunter', 'Jenkins', 'Mack', 'McCoy', 'Merritt', 'Moss', 'Murray', 'Norwood', 'Owens',
      'Patterson', 'Perkins', 'Pierce', 'Reid', 'Sims', 'Singleton', 'Spears', 'Stokes', 'Tucker', 'Wade',
      'Warren', 'Watkins', 'Webb', 'Wiggins', 'Woods', 'Alexander', 'Bolden', 'Brooks', 'Burrell', 'Dawson',
      'Diggs', 'Everett', 'Fields', 'Gilliam', 'Hampton', 'Harrell', 'Hightower', 'Hollis', 'Jennings', 'Lockhart',
      'Mabry', 'McDaniel', 'Odom', 'Rhodes', 'Shaw', 'Staton', 'Tolliver', 'Upshaw', 'Whitaker', 'Wooten',
    ],
  },
  {
    id: 'east_asian',
    weight: 4,
    spanishPreferred: 0,
    female: [
      'Jia', 'Mei', 'Ying', 'Lan', 'Hui', 'Yue', 'Lian', 'Qing', 'Xinyi', 'Ruoxi',
      'Yuxin', 'Zihan', 'Fang', 'Ji-woo', 'Seo-yeon', 'Min-seo', 'Ha-eun', 'Ji-min', 'Soo-ah', 'Yuna',
      'Hye-jin', 'Eun-ji', 'Su-bin', 'Ye-jin', 'Hana', 'Yui', 'Aiko', 'Sakura', 'Mio', 'Rin',
      'Emi', 'Yuki', 'Haruka', 'Akari', 'Keiko', 'Chloe', 'Grace', 'Emily', 'Olivia', 'Sophie',
      'Amy', 'Michelle', 'Jennifer', 'Angela', 'Vivian', 'Iris', 'Joy', 'Catherine', 'Jessica', 'Tiffany',
      'Annie', 'Claire', 'Evelyn', 'Audrey', 'Lily', 'Irene', 'Cindy', 'Esther', 'Eileen', 'Hannah',
      'Julia', 'Natalie', 'Serena', 'Stephanie', 'Winnie', 'Alice', 'Karen', 'Helen', 'Ruby', 'Eunice',
    ],
    male: [
      'Wei', 'Jun', 'Hao', 'Jian', 'Ming', 'Tao', 'Lei', 'Bo', 'Zhen', 'Haoran',
      'Zihao', 'Yuxuan', 'Kai', 'Feng', 'Min-jun', 'Seo-jun', 'Do-yun', 'Ji-ho', 'Ha-joon', 'Jae-won',
      'Hyun-woo', 'Sung-min', 'Jin', 'Dong-hyun', 'Jun-seo', 'Haruto', 'Sota', 'Yuto', 'Ren', 'Hiroshi',
      'Kenji', 'Takeshi', 'Daiki', 'Riku', 'Kenta', 'Yusuke', 'Ethan', 'Ryan', 'Jason', 'Kevin',
      'Eric', 'Brian', 'Daniel', 'Andrew', 'Justin', 'Alex', 'Jonathan', 'Timothy', 'Aaron', 'Nathan',
      'Lucas', 'Leo', 'Max', 'Oliver', 'Henry', 'Edward', 'Steven', 'Vincent', 'Dennis', 'Jeffrey',
      'Kenneth', 'Marcus', 'Evan', 'Isaac', 'Samuel', 'Derek', 'Joshua', 'Albert', 'Raymond', 'Calvin',
    ],
    surnames: [
      'Chen', 'Wang', 'Li', 'Zhang', 'Liu', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou',
      'Xu', 'Sun', 'Ma', 'Zhu', 'Hu', 'Guo', 'Lin', 'He', 'Gao', 'Luo',
      'Zheng', 'Liang', 'Xie', 'Tang', 'Feng', 'Deng', 'Wong', 'Chan', 'Lee', 'Leung',
      'Ng', 'Cheung', 'Lau', 'Yip', 'Kim', 'Park', 'Choi', 'Jung', 'Kang', 'Cho',
      'Yoon', 'Jang', 'Lim', 'Han', 'Oh', 'Seo', 'Shin', 'Kwon', 'Hwang', 'Ahn',
      'Song', 'Yoo', 'Hong', 'Tanaka', 'Suzuki', 'Sato', 'Takahashi', 'Watanabe', 'Ito', 'Yamamoto',
      'Nakamura', 'Kobayashi', 'Kato', 'Yoshida', 'Yamada', 'Sasaki', 'Matsumoto', 'Inoue', 'Kimura', 'Hayashi',
    ],
  },
  {
    id: 'south_asian',
    weight: 3,
    spanishPreferred: 0,
    female: [
      'Priya', 'Ananya', 'Aanya', 'Diya', 'Isha', 'Kavya', 'Meera', 'Riya', 'Saanvi', 'Shreya',
      'Aditi', 'Anika', 'Divya', 'Neha', 'Pooja', 'Sneha', 'Tanvi', 'Nisha', 'Anjali', 'Deepa',
      'Lakshmi', 'Sunita', 'Kavita', 'Rekha', 'Swati', 'Sanjana', 'Myra', 'Navya', 'Avni', 'Ishita',
      'Simran', 'Harpreet', 'Gurleen', 'Jaspreet', 'Ayesha', 'Zainab', 'Hira', 'Sana', 'Farah', 'Radhika',
      'Shruti', 'Vidya', 'Padma', 'Asha', 'Nandini', 'Lavanya', 'Amrita', 'Preeti', 'Ritika', 'Nusrat',
    ],
    male: [
      'Arjun', 'Aarav', 'Vihaan', 'Aditya', 'Rohan', 'Rahul', 'Vikram', 'Sanjay', 'Ravi', 'Anil',
      'Sunil', 'Ajay', 'Amit', 'Ashok', 'Deepak', 'Karan', 'Krishna', 'Nikhil', 'Pranav', 'Rishi',
      'Siddharth', 'Varun', 'Vivek', 'Ishaan', 'Dev', 'Aryan', 'Kabir', 'Reyansh', 'Vedant', 'Ayaan',
      'Neil', 'Gurpreet', 'Jaspal', 'Bilal', 'Faisal', 'Hamza', 'Imran', 'Usman', 'Zain', 'Tanvir',
      'Karthik', 'Srinivas', 'Suresh', 'Ramesh', 'Naveen', 'Manoj', 'Prakash', 'Rajesh', 'Vijay', 'Akash',
    ],
    surnames: [
      'Patel', 'Shah', 'Sharma', 'Singh', 'Kumar', 'Gupta', 'Reddy', 'Rao', 'Iyer', 'Nair',
      'Menon', 'Pillai', 'Desai', 'Mehta', 'Joshi', 'Kapoor', 'Malhotra', 'Chopra', 'Agarwal', 'Bhatt',
      'Das', 'Ghosh', 'Banerjee', 'Mukherjee', 'Chatterjee', 'Sen', 'Bose', 'Verma', 'Mishra', 'Pandey',
      'Trivedi', 'Kulkarni', 'Deshpande', 'Naidu', 'Krishnan', 'Subramanian', 'Gill', 'Sandhu', 'Dhillon', 'Grewal',
      'Sidhu', 'Khan', 'Qureshi', 'Chaudhry', 'Siddiqui', 'Hossain', 'Rahman', 'Jain', 'Arora', 'Parikh',
    ],
  },
  {
    id: 'vietnamese',
    weight: 2,
    spanishPreferred: 0,
    female: [
      'Linh', 'Lan', 'Mai', 'Anh', 'Trang', 'Thu', 'Hoa', 'Huong', 'Ngoc', 'Nhung',
      'Thao', 'Vy', 'Uyen', 'Yen', 'Hanh', 'Hien', 'Hang', 'Lien', 'Loan', 'My',
      'Nhi', 'Oanh', 'Phuong', 'Quynh', 'Thuy', 'Tien', 'Trinh', 'Tuyet', 'Xuan', 'Diem',
      'Duyen', 'Giang', 'Kim', 'Vivian', 'Tiffany', 'Jennifer', 'Christine', 'Annie', 'Kelly', 'Tracy',
    ],
    male: [
      'Minh', 'Duc', 'Tuan', 'Hung', 'Long', 'Nam', 'Phuc', 'Quang', 'Thanh', 'Trung',
      'Vinh', 'Bao', 'Khoa', 'Dat', 'Huy', 'Hieu', 'Hoang', 'Hai', 'Cuong', 'Son',
      'Thang', 'Toan', 'Tri', 'Tung', 'Viet', 'Kiet', 'Khang', 'Loc', 'Phong', 'Quoc',
      'Tai', 'Thinh', 'Kevin', 'Peter', 'Tony', 'Danny', 'Jimmy', 'Andrew', 'Henry', 'Vincent',
    ],
    surnames: [
      'Nguyen', 'Tran', 'Le', 'Pham', 'Hoang', 'Huynh', 'Phan', 'Vu', 'Vo', 'Dang',
      'Bui', 'Do', 'Ho', 'Ngo', 'Duong', 'Ly', 'Truong', 'Dinh', 'Lam', 'Mai',
      'Luu', 'Ha', 'Cao', 'Trinh', 'Quach', 'Ta', 'Kieu', 'Chau', 'Doan', 'Luong',
      'Thai', 'Tang', 'Vuong', 'La', 'Diep', 'Ton', 'Giang', 'Lai', 'Thach', 'Phung',
      'Tong', 'Lieu', 'Quan',
    ],
  },
  {
    id: 'middle_eastern',
    weight: 2,
    spanishPreferred: 0,
    female: [
      'Fatima', 'Aisha', 'Layla', 'Noor', 'Yasmin', 'Mariam', 'Zainab', 'Leila', 'Amira', 'Hana',
      'Rania', 'Salma', 'Dina', 'Lina', 'Rana', 'Sara', 'Reem', 'Huda', 'Samira', 'Farah',
      'Zahra', 'Shirin', 'Parisa', 'Nazanin', 'Roya', 'Mina', 'Sepideh', 'Elif', 'Zeynep', 'Ayse',
      'Defne', 'Aylin', 'Esra', 'Dalia', 'Yara', 'Tala', 'Nadia', 'Hiba', 'Malak', 'Jana',
    ],
    male: [
      'Ahmad', 'Mohammed', 'Omar', 'Ali', 'Hassan', 'Hussein', 'Khalid', 'Yusuf', 'Ibrahim', 'Mustafa',
      'Karim', 'Tariq', 'Samir', 'Rami', 'Ziad', 'Faris', 'Nabil', 'Bilal', 'Hamza', 'Amir',
      'Sami', 'Fadi', 'Majid', 'Walid', 'Hadi', 'Reza', 'Kian', 'Arash', 'Kaveh', 'Babak',
      'Mehmet', 'Emre', 'Burak', 'Kerem', 'Mert', 'Elias', 'Anas', 'Zaid', 'Imad', 'Adam',
    ],
    surnames: [
      'Haddad', 'Khoury', 'Saleh', 'Hassan', 'Abdullah', 'Mansour', 'Hamdan', 'Aziz', 'Karam', 'Najjar',
      'Sabbagh', 'Hijazi', 'Darwish', 'Awad', 'Jaber', 'Yousef', 'Kassem', 'Odeh', 'Said', 'Issa',
      'Rahimi', 'Hosseini', 'Ahmadi', 'Karimi', 'Moradi', 'Jafari', 'Tehrani', 'Rostami', 'Sadeghi', 'Farahani',
      'Yilmaz', 'Kaya', 'Demir', 'Sahin', 'Celik', 'Aydin', 'Ozturk', 'Arslan', 'Dogan', 'Kilic',
      'Nasser', 'Khalil', 'Bakri', 'Shammas',
    ],
  },
  {
    id: 'african',
    weight: 1,
    spanishPreferred: 0,
    female: [
      'Chioma', 'Ngozi', 'Adaeze', 'Amaka', 'Folake', 'Funmilayo', 'Yetunde', 'Temitope', 'Ifeoma', 'Nneka',
      'Chiamaka', 'Ama', 'Akosua', 'Abena', 'Efua', 'Adwoa', 'Esi', 'Hodan', 'Hawa', 'Ayan',
      'Fadumo', 'Sahra', 'Ifrah', 'Hibaq', 'Najma', 'Ubah', 'Tigist', 'Selam', 'Hiwot', 'Meron',
      'Liya', 'Mekdes', 'Rahel', 'Wanjiru', 'Achieng', 'Wambui', 'Aminata', 'Fatoumata', 'Mariama', 'Binta',
    ],
    male: [
      'Chinedu', 'Emeka', 'Obinna', 'Ikenna', 'Tunde', 'Olumide', 'Adebayo', 'Babajide', 'Oluwaseun', 'Kwame',
      'Kofi', 'Kwabena', 'Yaw', 'Kojo', 'Abdi', 'Mohamed', 'Abdirahman', 'Abdullahi', 'Mahad', 'Liban',
      'Yonas', 'Dawit', 'Abel', 'Henok', 'Kidus', 'Biniam', 'Mamadou', 'Ousmane', 'Moussa', 'Ibrahima',
      'Amadou', 'Kamau', 'Otieno', 'Jabari', 'Baraka', 'Samuel', 'Daniel', 'Emmanuel', 'Joseph', 'Solomon',
    ],
    surnames: [
      'Okafor', 'Okeke', 'Adeyemi', 'Okonkwo', 'Nwosu', 'Eze', 'Obi', 'Balogun', 'Ogunleye', 'Afolabi',
      'Mensah', 'Boateng', 'Asante', 'Owusu', 'Osei', 'Appiah', 'Addo', 'Yusuf', 'Abdi', 'Warsame',
      'Farah', 'Aden', 'Jama', 'Mohamud', 'Tesfaye', 'Haile', 'Bekele', 'Girma', 'Alemu', 'Tadesse',
      'Kebede', 'Gebre', 'Diallo', 'Traoré', 'Keita', 'Camara', 'Kamara', 'Mwangi', 'Otieno', 'Ochieng',
      'Njoroge', 'Kariuki', 'Adeleke', 'Onyango',
    ],
  },
  {
    id: 'native',
    weight: 1,
    spanishPreferred: 0,
    female: [
      'Autumn', 'Dakota', 'Winona', 'Kateri', 'Jolene', 'Shaylee', 'Tatum', 'Sage', 'Raven', 'Sierra',
      'Skye', 'Dawn', 'Summer', 'Willow', 'Jade', 'Kiana', 'Aiyana', 'Marie', 'Rose', 'Darlene',
      'Verna', 'Arlene', 'Loretta', 'Charlene', 'Bernadette', 'Theresa', 'Tanya', 'Shawna', 'Misty', 'Crystal',
      'Destiny', 'Harmony', 'Makayla', 'Taylor', 'Brandy', 'Delphine',
    ],
    male: [
      'Hunter', 'Wyatt', 'Colton', 'Tristan', 'Cody', 'Dustin', 'Travis', 'Shane', 'Jesse', 'Leroy',
      'Vernon', 'Delbert', 'Clifford', 'Wayne', 'Gilbert', 'Floyd', 'Marvin', 'Lyle', 'Dale', 'Raymond',
      'Francis', 'Leonard', 'Virgil', 'Lance', 'Chase', 'Tate', 'Jace', 'Bryson', 'Talon', 'Koda',
      'Ezra', 'Nolan', 'Russell', 'Darrell', 'Kellen', 'Tyson',
    ],
    surnames: [
      'Two Bulls', 'Brings Plenty', 'Iron Cloud', 'Yellow Hawk', 'Little Thunder', 'White Eagle', 'Lone Hill', 'Janis', 'Pourier', 'Bordeaux',
      'Ducheneaux', 'Long Soldier', 'Little Coyote', 'Old Coyote', 'Real Bird', 'Whiteman', 'Kingbird', 'Goodsky', 'Stately', 'Jourdain',
      'Beaulieu', 'Bellanger', 'Desjarlait', 'Fairbanks', 'Wadena', 'Decorah', 'Greendeer', 'Lonetree', 'Blackdeer', 'Funmaker',
      'Whitewing', 'Skenandore', 'Metoxen', 'Doxtator', 'Danforth', 'Waukau', 'Saunsoci', 'Blackbird', 'Tyndall', 'Big Crow',
      'Black Bear', 'Her Many Horses', 'Roubideaux', 'Red Bear',
    ],
  },
];

/** Common American given names any family might choose (mixed into every group at a small rate). */
export const COMMON_FEMALE: readonly string[] = [
  'Olivia', 'Emma', 'Charlotte', 'Amelia', 'Sophia', 'Mia', 'Isabella', 'Ava', 'Evelyn', 'Harper',
  'Luna', 'Camila', 'Sofia', 'Scarlett', 'Elizabeth', 'Eleanor', 'Emily', 'Chloe', 'Mila', 'Violet',
  'Penelope', 'Gianna', 'Aria', 'Abigail', 'Ella', 'Avery', 'Hazel', 'Nora', 'Layla', 'Lily',
  'Aurora', 'Nova', 'Ellie', 'Madison', 'Grace', 'Isla', 'Willow', 'Zoe', 'Riley', 'Stella',
  'Ivy', 'Victoria', 'Emilia', 'Zoey', 'Naomi', 'Hannah', 'Lucy', 'Elena', 'Lillian', 'Maya',
  'Leah', 'Paisley', 'Addison', 'Natalie', 'Valentina', 'Everly', 'Delilah', 'Leilani', 'Madelyn', 'Kinsley',
  'Ruby', 'Sophie', 'Alice', 'Genesis', 'Claire', 'Audrey', 'Sadie', 'Aaliyah', 'Josephine', 'Autumn',
  'Brooklyn', 'Quinn', 'Kennedy', 'Savannah', 'Skylar', 'Jennifer', 'Jessica', 'Ashley', 'Amanda', 'Sarah',
];

export const COMMON_MALE: readonly string[] = [
  'Liam', 'Noah', 'Oliver', 'James', 'Elijah', 'Mateo', 'Theodore', 'Henry', 'Lucas', 'William',
  'Benjamin', 'Levi', 'Sebastian', 'Jack', 'Ezra', 'Michael', 'Daniel', 'Leo', 'Owen', 'Samuel',
  'Hudson', 'Alexander', 'Asher', 'Luca', 'Ethan', 'John', 'David', 'Jackson', 'Joseph', 'Mason',
  'Luke', 'Matthew', 'Julian', 'Dylan', 'Elias', 'Jacob', 'Maverick', 'Gabriel', 'Logan', 'Aiden',
  'Thomas', 'Isaac', 'Miles', 'Grayson', 'Santiago', 'Anthony', 'Wyatt', 'Carter', 'Jayden', 'Ezekiel',
  'Caleb', 'Cooper', 'Josiah', 'Charles', 'Christopher', 'Isaiah', 'Nolan', 'Cameron', 'Nathan', 'Joshua',
  'Kai', 'Waylon', 'Angel', 'Lincoln', 'Andrew', 'Roman', 'Adrian', 'Aaron', 'Wesley', 'Ian',
  'Jordan', 'Robert', 'Brian', 'Kevin', 'Justin', 'Ryan', 'Tyler', 'Eric', 'Jason', 'Adam',
];

/** Street names and suffix-less street words for addresses, e.g. 'Maple', 'Cedar Ridge', 'Lincoln'. */
export const STREET_NAMES: readonly string[] = [
  'Maple', 'Oak', 'Cedar', 'Elm', 'Pine', 'Birch', 'Walnut', 'Willow', 'Chestnut', 'Hickory',
  'Aspen', 'Sycamore', 'Magnolia', 'Dogwood', 'Spruce', 'Poplar', 'Linden', 'Laurel', 'Juniper', 'Cottonwood',
  'Lincoln', 'Washington', 'Jefferson', 'Madison', 'Franklin', 'Adams', 'Jackson', 'Monroe', 'Grant', 'Roosevelt',
  'Main', 'Church', 'Park', 'Lake', 'Hill', 'River', 'Spring', 'Mill', 'Center', 'Market',
  'Union', 'High', 'School', 'College', 'Prospect', 'Highland', 'Meadow', 'Sunset', 'Sunrise', 'Ridge',
  'Valley', 'Forest', 'Orchard', 'Prairie', 'Cedar Ridge', 'Oak Hollow', 'Maple Grove', 'Willow Creek', 'Pine Valley', 'Fox Run',
  'Deer Path', 'Quail Run', 'Heritage', 'Liberty', 'Independence', 'Pleasant', 'Fairview', 'Lakeview', 'Hillcrest', 'Brookside',
  'Country Club', 'Stonegate', 'Windsor', 'Cambridge', 'Oxford', 'Hampton', 'Kingston', 'Lexington', 'Greenfield', 'Westwood',
  'Eastwood', 'Northfield', 'Southgate', 'Riverside', 'Clearwater', 'Briarwood', 'Timber Ridge', 'Harvest', 'Cardinal', 'Bluebird',
  'Meadowlark', 'Heron', 'First', 'Second', 'Third', 'Fourth', 'Fifth', 'Summit', 'Bridge', 'Garden',
];

export const STREET_SUFFIXES: readonly string[] = ['St', 'Ave', 'Dr', 'Ln', 'Ct', 'Rd', 'Way', 'Blvd', 'Pl'];
